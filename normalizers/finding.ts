// Step 2: one Finding per new or removed issue of a snapshot, plus the snapshot's summary record.
import { contextBudget, fitContext } from './context-budget.js';
import { deliveryInfo, recordTime } from './delivery.js';
import { recordId } from './record-id.js';
import type { ProjectSnapshot } from './snyk/parse-project-snapshot.js';
import type {
  DeliveryContext,
  Finding,
  IssueInfo,
  NormalizedRecord,
  SeverityCounts,
  SnapshotSummary,
} from './types.js';

/**
 * Findings for newIssues (issue_introduced) then removedIssues (issue_resolved), then one summary record.
 * `bodySha256` identifies the signed body (record-id.ts).
 */
export function snapshotRecords(
  snapshot: ProjectSnapshot,
  context: DeliveryContext,
  bodySha256: string,
): NormalizedRecord[] {
  const delivery = deliveryInfo(context);
  const time = recordTime(delivery);
  const projectId = snapshot.project.id;
  // Every record repeats the org and project: their size is bounded per delivery, not only per field.
  const budget = contextBudget(snapshot.newIssues.length + snapshot.removedIssues.length + 1);
  const { org, project } = fitContext(snapshot.org, snapshot.project, budget);
  const base = { time, delivery, org, project };
  // How often each identity was seen so far: the same issue listed twice still gets two ids (a Map keeps it linear).
  const seen = new Map<string, number>();
  const finding = (issue: IssueInfo, action: Finding['action']): Finding => {
    const identity = JSON.stringify([action, issue.id, issue.packageName ?? null, issue.packageVersions]);
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    return {
      kind: 'finding',
      action,
      severity: issue.severity,
      recordId: recordId({
        bodySha256,
        event: delivery.event,
        action,
        projectId,
        issueId: issue.id,
        packageName: issue.packageName,
        packageVersions: issue.packageVersions,
        occurrence,
      }),
      ...base,
      issue,
    };
  };
  const summary: SnapshotSummary = {
    kind: 'summary',
    action: 'snapshot',
    severity: undefined,
    recordId: recordId({
      bodySha256,
      event: delivery.event,
      action: 'snapshot',
      projectId,
      issueId: undefined,
      packageName: undefined,
      packageVersions: [],
      occurrence: 0,
    }),
    ...base,
    openCounts: snapshot.openCounts,
    newCounts: countBySeverity(snapshot.newIssues),
    removedCounts: countBySeverity(snapshot.removedIssues),
    newTotal: snapshot.newTotal,
    removedTotal: snapshot.removedTotal,
    newOmitted: snapshot.newTotal - snapshot.newIssues.length,
    removedOmitted: snapshot.removedTotal - snapshot.removedIssues.length,
  };
  if (snapshot.openCountsDropped.length > 0) summary.droppedFields = snapshot.openCountsDropped;
  const records: NormalizedRecord[] = [];
  for (const issue of snapshot.newIssues) records.push(finding(issue, 'issue_introduced'));
  for (const issue of snapshot.removedIssues) records.push(finding(issue, 'issue_resolved'));
  records.push(summary);
  return records;
}

function countBySeverity(issues: readonly IssueInfo[]): SeverityCounts {
  const counts: SeverityCounts = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const issue of issues) counts[issue.severity] += 1;
  return counts;
}
