// Small helpers shared by encoders: joining lists and describing a package and its fix for one-line formats.
import type { ExploitMaturityLevel, IssueInfo, SeveritySource } from '../types.js';

export function joinList(values: readonly string[]): string | undefined {
  return values.length === 0 ? undefined : values.join(', ');
}

/** `name@v1, v2`: the affected package as one readable value. */
export function packageLabel(issue: IssueInfo): string | undefined {
  if (issue.packageName === undefined) return joinList(issue.packageVersions);
  return issue.packageVersions.length === 0
    ? issue.packageName
    : `${issue.packageName}@${issue.packageVersions.join(', ')}`;
}

/** The versions that fix the issue: fixInfo.fixedIn, else the nearest fixed-in version (container projects). */
export function fixedInLabel(issue: IssueInfo): string | undefined {
  return joinList(issue.fixedIn) ?? issue.nearestFixedInVersion;
}

export function counts(c: { low: number; medium: number; high: number; critical: number }): string {
  return `critical:${c.critical} high:${c.high} medium:${c.medium} low:${c.low}`;
}

/**
 * One source's rating as one value: `NVD: critical 9.8 CVSS:3.1/AV:N/…`. The source ends at the first `: ` (a vector
 * has no space), so the text stays readable and splittable where a format has no structure (CEF, LEEF, flat JSON).
 */
export function severityText(s: SeveritySource): string {
  const rating = [
    s.level,
    s.score === undefined ? undefined : String(s.score),
    s.vector ?? cvssLabel(s.version),
  ]
    .filter((part) => part !== undefined)
    .join(' ');
  if (s.source === undefined) return rating;
  return rating === '' ? s.source : `${s.source}: ${rating}`;
}

function cvssLabel(version: string | undefined): string | undefined {
  return version === undefined ? undefined : `CVSS ${version}`;
}

/** An exploit maturity level with the scoring system it is expressed in: `CVSSv4: Attacked`. */
export function maturityText(m: ExploitMaturityLevel): string {
  return m.format === undefined ? m.level : `${m.format}: ${m.level}`;
}
