// Step 2: one Finding per new or removed issue of a snapshot, plus the snapshot's summary record.
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

/** Findings for newIssues (issue_introduced) then removedIssues (issue_resolved), then one summary record. */
export function snapshotRecords(snapshot: ProjectSnapshot, context: DeliveryContext): NormalizedRecord[] {
  const delivery = deliveryInfo(context);
  const time = recordTime(delivery);
  const base = { time, delivery, org: snapshot.org, project: snapshot.project };
  const finding = (issue: IssueInfo, action: Finding['action']): Finding => ({
    kind: 'finding',
    action,
    severity: issue.severity,
    recordId: recordId({
      transportId: delivery.transportId,
      event: delivery.event,
      action,
      projectId: snapshot.project.id,
      issueId: issue.id,
    }),
    ...base,
    issue,
  });
  const summary: SnapshotSummary = {
    kind: 'summary',
    action: 'snapshot',
    severity: undefined,
    recordId: recordId({
      transportId: delivery.transportId,
      event: delivery.event,
      action: 'snapshot',
      projectId: snapshot.project.id,
      issueId: undefined,
    }),
    ...base,
    openCounts: snapshot.openCounts,
    newCounts: countBySeverity(snapshot.newIssues),
    removedCounts: countBySeverity(snapshot.removedIssues),
    newTotal: snapshot.newIssues.length,
    removedTotal: snapshot.removedIssues.length,
  };
  return [
    ...snapshot.newIssues.map((issue) => finding(issue, 'issue_introduced')),
    ...snapshot.removedIssues.map((issue) => finding(issue, 'issue_resolved')),
    summary,
  ];
}

function countBySeverity(issues: readonly IssueInfo[]): SeverityCounts {
  const counts: SeverityCounts = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const issue of issues) counts[issue.severity] += 1;
  return counts;
}
