// Small helpers shared by encoders: joining lists and describing a package and its fix for one-line formats.
import type { IssueInfo } from '../types.js';

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
