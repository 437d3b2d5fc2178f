// A target's filter applied to a record's facets: severity floor, actions, and org and project lists.
import type { RecordFacets } from '../../normalizers/index.js';
import type { TargetFilter } from '../targets/common-config.js';

const SEVERITY_RANK = { low: 1, medium: 2, high: 3, critical: 4 } as const;

const ACTION_OF_FACETS: Record<RecordFacets['action'], 'introduced' | 'resolved' | 'summary' | 'event'> = {
  issue_introduced: 'introduced',
  issue_resolved: 'resolved',
  snapshot: 'summary',
  event: 'event',
};

function matchesAny(values: readonly (string | undefined)[], list: readonly string[]): boolean {
  return values.some((value) => value !== undefined && list.includes(value));
}

export function passesFilter(record: RecordFacets, filter: TargetFilter): boolean {
  if (filter.actions && !filter.actions.includes(ACTION_OF_FACETS[record.action])) return false;
  if (filter.minSeverity && record.kind === 'finding') {
    if (!record.severity || SEVERITY_RANK[record.severity] < SEVERITY_RANK[filter.minSeverity]) return false;
  }
  const org = [record.org?.id, record.org?.slug, record.org?.name];
  const project = [record.project?.id, record.project?.name];
  if (filter.includeOrgs && !matchesAny(org, filter.includeOrgs)) return false;
  if (filter.excludeOrgs && matchesAny(org, filter.excludeOrgs)) return false;
  if (filter.includeProjects && !matchesAny(project, filter.includeProjects)) return false;
  if (filter.excludeProjects && matchesAny(project, filter.excludeProjects)) return false;
  return true;
}
