// Step 1 for project_snapshot/v0: untrusted JSON → typed snapshot (org, project, new and removed issues), or PayloadError.
import type { z } from 'zod';
import { PayloadError } from '../errors.js';
import type { IssueInfo, OrgInfo, ProjectInfo, SeverityCounts } from '../types.js';
import { LIMITS } from '../limits.js';
import { isContainerType } from '../product.js';
import { projectSnapshotSchema } from './schema.js';
import type { RawProjectSnapshot } from './schema.js';
import { readIssue } from './read-issue.js';
import { remediationIndex, type RemediationIndex } from './remediation.js';

export interface ProjectSnapshot {
  org: OrgInfo | undefined;
  project: ProjectInfo;
  openCounts: SeverityCounts;
  /** Open counts that were numbers but not non-negative safe integers (counted 0), by flat name: `open_low`. */
  openCountsDropped: string[];
  /** The first LIMITS.issuesPerList entries of newIssues, read. */
  newIssues: IssueInfo[];
  removedIssues: IssueInfo[];
  /** Entries of each list as sent, read or not. */
  newTotal: number;
  removedTotal: number;
}

/** Parses a project_snapshot/v0 body; throws PayloadError naming the first offending path. */
export function parseProjectSnapshot(payload: unknown): ProjectSnapshot {
  const result = projectSnapshotSchema.safeParse(payload);
  if (!result.success) throw toPayloadError(result.error);
  const raw = result.data;
  const newIssues = raw.newIssues ?? [];
  const removedIssues = raw.removedIssues ?? [];
  const remediation = remediationIndex(raw.project.remediation, newIssues.length + removedIssues.length);
  return {
    org: toOrg(raw),
    project: toProject(raw.project),
    openCounts: raw.project.issueCountsBySeverity.counts,
    openCountsDropped: raw.project.issueCountsBySeverity.dropped,
    newIssues: readIssues(newIssues, 'newIssues', remediation),
    removedIssues: readIssues(removedIssues, 'removedIssues', remediation),
    newTotal: newIssues.length,
    removedTotal: removedIssues.length,
  };
}

/** Reads the first LIMITS.issuesPerList entries; the rest are only counted (limits.ts), never read or checked. */
function readIssues(
  entries: readonly unknown[],
  list: string,
  remediation: RemediationIndex | undefined,
): IssueInfo[] {
  const count = Math.min(entries.length, LIMITS.issuesPerList);
  const out: IssueInfo[] = new Array<IssueInfo>(count);
  for (let i = 0; i < count; i += 1) out[i] = readIssue(entries[i], `${list}[${i}]`, remediation);
  return out;
}

function toPayloadError(error: z.ZodError): PayloadError {
  const issue = error.issues[0];
  if (issue === undefined) return new PayloadError('', 'unreadable payload');
  const path = issue.path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
  return new PayloadError(path, issue.message);
}

function toOrg(raw: RawProjectSnapshot): OrgInfo | undefined {
  const org = raw.org;
  // The group sits at the top level (docs) or under org.group (2021 captures), where it may be null
  // (test/fixtures/snyk/README.md, "Variations to parse for").
  const group = raw.group ?? org?.group;
  if (org === undefined && group === undefined) return undefined;
  return compact({
    id: org?.id,
    name: org?.name,
    slug: org?.slug,
    url: org?.url,
    groupId: group?.id,
    groupName: group?.name,
  });
}

// SCM project names look like `owner/repo(branch):path/to/manifest` or `owner/repo:package.json` (the
// project names in test/fixtures/snyk/).
const SCM_PROJECT_NAME = /^([^:()]+)(?:\(([^()]*)\))?:(.+)$/;

function toProject(raw: RawProjectSnapshot['project']): ProjectInfo {
  let branch = raw.branch;
  let targetFile: string | undefined;
  const container = isContainerType(raw.type);
  // Container project names are `image:tag`, so the part after ':' is a tag, not a manifest.
  if (raw.name !== undefined && !container) {
    const m = SCM_PROJECT_NAME.exec(raw.name);
    if (m !== null) {
      targetFile = m[3];
      if (branch === undefined && m[2] !== undefined && m[2] !== '') branch = m[2];
    }
  }
  return {
    ...compact({
      id: raw.id,
      name: raw.name,
      type: raw.type,
      origin: raw.origin,
      branch,
      targetFile,
      browseUrl: raw.browseUrl,
      lastTested: raw.lastTestedDate,
      // Snyk sends imageTag for every project type (a package version on npm projects: "12.3.0", "0.0.0") and the
      // docs' maven example carries every image field, so they describe an image only on container projects
      // (Snyk's payload docs, project object; test/fixtures/snyk/README.md). Every format then agrees.
      ...(container
        ? {
            imageId: raw.imageId,
            imageTag: raw.imageTag,
            imageBaseImage: raw.imageBaseImage,
            imagePlatform: raw.imagePlatform,
            imageCluster: raw.imageCluster,
          }
        : {}),
    }),
    tags: raw.tags,
    attributes: raw.attributes,
  };
}

/** Drops undefined properties, so optional fields are absent rather than present-but-undefined. */
function compact<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
