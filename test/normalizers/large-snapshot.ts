// Builds the costliest snapshots the forwarder accepts: the body limit filled with issues and identifiers.
import { readFixture } from './golden-cases.js';

/** Issues of one list that become findings (docs/mapping.md §8). */
export const ISSUES_PER_LIST = 10_000;

// Project and org of a real capture, so that every record carries realistic context fields.
function envelope(): Record<string, unknown> {
  const capture = readFixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json').json as Record<
    string,
    unknown
  >;
  return { project: capture['project'], org: capture['org'] };
}

const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** A compact but complete issue: the fields every record carries, without the several-KB advisory text. */
function issue(n: number): Record<string, unknown> {
  const id = `SNYK-JS-P${String(n).padStart(5, '0')}-${1_000_000 + n}`;
  return {
    id,
    pkgName: `p${n}`,
    pkgVersions: ['1.0.0'],
    issueData: {
      id,
      title: 'Prototype Pollution',
      severity: SEVERITIES[n % 4],
      identifiers: { CVE: [`CVE-2024-${String(n).padStart(5, '0')}`], CWE: ['CWE-1321'] },
    },
    fixInfo: { isUpgradable: n % 2 === 0 },
  };
}

/** Fixed-width CVE ids, so the byte count of a list is known in advance. */
export function cveIds(count: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => `CVE-2025-${String(offset + i).padStart(7, '0')}`);
}

/**
 * The most expensive body within the limits: 10,000 new and 10,000 removed issues (every one a finding), the first
 * with more CVE ids than a list keeps, and the bytes left under the body limit spread over the advisories, since
 * advisory text is what every record carries on to its targets.
 */
export function largestSnapshot(limitBytes: number): {
  body: string;
  findings: number;
  descriptionLength: number;
} {
  const newIssues = Array.from({ length: ISSUES_PER_LIST }, (_, i) => issue(i));
  const removedIssues = Array.from({ length: ISSUES_PER_LIST }, (_, i) => issue(ISSUES_PER_LIST + i));
  const first = newIssues[0] as { issueData: { identifiers: { CVE: string[] } } };
  first.issueData.identifiers.CVE = cveIds(1_500);
  const payload = { ...envelope(), newIssues, removedIssues };
  const base = Buffer.byteLength(JSON.stringify(payload));
  const all = [...newIssues, ...removedIssues] as { issueData: Record<string, unknown> }[];
  // Each advisory costs `,"description":"…"` (17 bytes and its text); 1 KiB of slack for rounding.
  const descriptionLength = Math.max(0, Math.floor((limitBytes - base - 1024) / all.length) - 17);
  const text = 'Prototype pollution in a deeply nested merge. '.repeat(Math.ceil(descriptionLength / 46));
  for (const entry of all) entry.issueData['description'] = text.slice(0, descriptionLength);
  const body = JSON.stringify(payload);
  if (Buffer.byteLength(body) > limitBytes) throw new Error('largestSnapshot: body over the limit');
  return { body, findings: all.length, descriptionLength };
}

/** One issue holding `count` distinct CVE ids, the rest of the snapshot a real capture. */
export function snapshotWithCves(count: number): Record<string, unknown> {
  const first = issue(0) as { issueData: { identifiers: { CVE: string[] } } };
  first.issueData.identifiers.CVE = cveIds(count);
  return { ...envelope(), newIssues: [first], removedIssues: [] };
}
