// Distinct project snapshots built from a real Snyk capture: one project per delivery, K issues each.
import { createHash } from 'node:crypto';
import { fixture } from '../../helpers/webhook.js';

export interface Snapshot {
  /** Position in the stream, from 0. */
  index: number;
  /** Unique per delivery, carried by every record (`project_id`), so records can be traced to their delivery. */
  projectId: string;
  body: Buffer;
  /** Records the forwarder makes of it: one per issue and one snapshot summary. */
  records: number;
}

interface Issue {
  id: string;
  issueData: Record<string, unknown> & { id: string };
}

interface Capture {
  project: Record<string, unknown> & { id: string; name: string; browseUrl?: string };
  org: Record<string, unknown>;
  newIssues: Issue[];
}

const capture = JSON.parse(
  fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json').toString('utf8'),
) as Capture;

/** A UUID-shaped id derived from a tag, so that a rerun with the same tag builds the same bodies. */
function uuidFrom(tag: string): string {
  const hex = createHash('sha256').update(tag).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `count` snapshots of `issues` issues each. Every body differs (project id and name, issue ids), so whatever record
 * ids are derived from (the transport id, or the signed body and the finding), no two deliveries share a record.
 */
export function buildSnapshots(run: string, count: number, issues: number): Snapshot[] {
  return Array.from({ length: count }, (_, index) => {
    const projectId = uuidFrom(`${run}/${index}`);
    const newIssues = Array.from({ length: issues }, (_, n) => {
      const base = capture.newIssues[n % capture.newIssues.length] as Issue;
      const id = `${base.id}-${run}-${index}-${n}`;
      return { ...base, id, issueData: { ...base.issueData, id } };
    });
    const snapshot = {
      ...capture,
      project: {
        ...capture.project,
        id: projectId,
        name: `${capture.project.name}-${run}-${index}`,
        browseUrl: `https://app.snyk.io/org/angrydome/project/${projectId}`,
      },
      newIssues,
    };
    return { index, projectId, body: Buffer.from(JSON.stringify(snapshot)), records: issues + 1 };
  });
}
