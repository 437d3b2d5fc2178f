// Findings reconciliation emits for what Snyk's REST API shows but no webhook delivered: marked reconciled, own ids.
import { createHash } from 'node:crypto';
import { RECORD_ID_LENGTH } from './record-id.js';
import type { RestIssue } from './snyk/read-rest-issue.js';
import type { DeliveryInfo, Finding, IssueInfo, OrgInfo, ProjectInfo } from './types.js';

/** The `event` of a reconciled record: it names the REST resource and the API version it was read with. */
export const RECONCILE_EVENT = 'rest_issues';

/** One reconciliation run, as far as its records need it. */
export interface ReconcileContext {
  /** Deterministic per run (org, mode and time window): a resumed run emits the same ids. */
  runId: string;
  /** When the run started (ISO 8601): the records' received_at. */
  startedAt: string;
  org: OrgInfo;
}

/**
 * Ids from the run and the finding's key, never from a body: a record reconciled by a run has a different id from
 * any webhook record (whose ids hash the signed body, record-id.ts), and a run resumed after an interruption gives
 * the records it emits again the same ids, so a SIEM drops the duplicates.
 */
export function reconciledRecordId(
  runId: string,
  action: Finding['action'],
  projectId: string,
  issueId: string,
  packageName: string | undefined,
  version: string | undefined,
): string {
  const key = JSON.stringify([
    'reconcile',
    runId,
    action,
    projectId,
    issueId,
    packageName ?? null,
    version ?? null,
  ]);
  return createHash('sha256').update(key, 'utf8').digest('base64url').slice(0, RECORD_ID_LENGTH);
}

/**
 * One finding per package version of the REST issue (versions limits the versions, e.g. to those missing from
 * the forwarded set). The record time is when Snyk says it happened: the issue's creation for an introduced issue,
 * its resolution (else its last update) for a resolved one, else the run's start.
 */
export function reconciledFindings(
  rest: RestIssue,
  action: Finding['action'],
  context: ReconcileContext,
  project: ProjectInfo | undefined,
  versions: readonly string[] = rest.issue.packageVersions,
): Finding[] {
  const time =
    (action === 'issue_introduced' ? rest.createdAt : (rest.resolvedAt ?? rest.updatedAt)) ??
    context.startedAt;
  const perVersion = versions.length === 0 ? [undefined] : versions;
  return perVersion.map((version) =>
    reconciledFinding(
      { ...rest.issue, packageVersions: version === undefined ? [] : [version] },
      rest.projectId,
      action,
      time,
      context,
      project,
    ),
  );
}

/** A finding from what the forwarded set and REST hold about one issue version, with the reconciled mark. */
export function reconciledFinding(
  issue: IssueInfo,
  projectId: string,
  action: Finding['action'],
  time: string,
  context: ReconcileContext,
  project: ProjectInfo | undefined,
): Finding {
  const delivery: DeliveryInfo = {
    event: RECONCILE_EVENT,
    transportId: context.runId,
    snykTimestamp: undefined,
    receivedAt: context.startedAt,
  };
  return {
    kind: 'finding',
    action,
    severity: issue.severity,
    recordId: reconciledRecordId(
      context.runId,
      action,
      projectId,
      issue.id,
      issue.packageName,
      issue.packageVersions[0],
    ),
    time,
    delivery,
    org: context.org,
    project: {
      tags: [],
      attributes: { criticality: [], environment: [], lifecycle: [] },
      ...project,
      id: projectId,
    },
    issue,
    reconciled: true,
  };
}
