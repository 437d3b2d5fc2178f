// What one project_snapshot changes in the forwarded set: the finding keys it adds and those it removes. Pure.
import { findingKeys, type Severity } from '../../../normalizers/index.js';

/** The forwarded set's value of a key: the severity's first letter, enough to describe a finding resolved later. */
export type SeverityLetter = 'l' | 'm' | 'h' | 'c';

export const SEVERITY_LETTER: Readonly<Record<Severity, SeverityLetter>> = {
  low: 'l',
  medium: 'm',
  high: 'h',
  critical: 'c',
};

export const SEVERITY_OF_LETTER: Readonly<Record<SeverityLetter, Severity>> = {
  l: 'low',
  m: 'medium',
  h: 'high',
  c: 'critical',
};

export interface SnapshotDelta {
  projectId: string;
  /** newIssues: key → severity letter. */
  added: Map<string, SeverityLetter>;
  /** removedIssues. */
  removed: string[];
}

/** What the forwarded set needs of one issue of a snapshot. */
export interface IssueParts {
  id: string;
  packageName?: string;
  packageVersions: string[];
  severity?: Severity;
}

type Loose = Record<string, unknown>;
const object = (v: unknown): Loose | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The issue's id, package and versions as the normalizers read them (snyk/read-issue.ts): id, else issueData.id. */
export function issueParts(value: unknown): IssueParts | undefined {
  const issue = object(value);
  const data = object(issue?.['issueData']);
  const id = text(issue?.['id']) ?? text(data?.['id']);
  if (id === undefined) return undefined;
  const versions = issue?.['pkgVersions'];
  const packageVersions = Array.isArray(versions)
    ? versions.flatMap((v) => (typeof v === 'string' && v !== '' ? [v] : []))
    : [];
  const packageName = text(issue?.['pkgName']);
  const severity = text(data?.['severity'])?.toLowerCase();
  const parts: IssueParts = {
    id,
    packageVersions,
  };
  if (packageName !== undefined) parts.packageName = packageName;
  if (severity !== undefined && severity in SEVERITY_LETTER) parts.severity = severity as Severity;
  return parts;
}

/**
 * The delta of a project_snapshot payload (already parsed), or undefined when it names no project. Issues without an
 * id are left out, as the normalizers leave them out of the records.
 */
export function snapshotDelta(payload: unknown): SnapshotDelta | undefined {
  const body = object(payload);
  const projectId = text(object(body?.['project'])?.['id']);
  if (body === undefined || projectId === undefined) return undefined;
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  return deltaOf(
    projectId,
    list(body['newIssues']).map(issueParts),
    list(body['removedIssues']).map(issueParts),
  );
}

/** The delta from the issues' parts (issueParts of each element of newIssues and removedIssues). */
export function deltaOf(
  projectId: string,
  newIssues: readonly (IssueParts | undefined)[],
  removedIssues: readonly (IssueParts | undefined)[],
): SnapshotDelta {
  const added = new Map<string, SeverityLetter>();
  const removed: string[] = [];
  for (const parts of newIssues) {
    if (parts === undefined) continue;
    for (const key of findingKeys(parts)) added.set(key, SEVERITY_LETTER[parts.severity ?? 'low']);
  }
  for (const parts of removedIssues) if (parts !== undefined) removed.push(...findingKeys(parts));
  return { projectId, added, removed };
}
