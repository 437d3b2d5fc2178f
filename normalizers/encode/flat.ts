// The record as flat snake_case fields in a fixed order: the JSON format, the LEEF attributes and ECS `snyk.*`.
import type { Finding, GenericEvent, NormalizedRecord, SnapshotSummary } from '../types.js';
import { maturityText, severityText } from './fields.js';

export type FlatValue = string | number | boolean | readonly string[];
export type FlatRecord = Record<string, FlatValue>;

// Key names are part of the public contract (Rapid7 and HTTP collectors index them): only ever add keys.
// Absent values are left out rather than written as null; key order is fixed. Fields are set one by one
// (no intermediate arrays): this runs once per record and format, so allocations show up in the benchmark.

/** Every field of the record. */
export function flatFields(record: NormalizedRecord): FlatRecord {
  const out = commonFlat(record);
  addKindFields(out, record);
  return out;
}

/** The fields of the record's own kind: the issue of a finding, the counts of a summary, the size of an event. */
export function kindFlat(record: NormalizedRecord): FlatRecord {
  const out: FlatRecord = {};
  addKindFields(out, record);
  return out;
}

/** Record, delivery, org and project fields, shared by every kind. */
export function commonFlat(record: NormalizedRecord): FlatRecord {
  const d = record.delivery;
  const o = record.org;
  const p = record.project;
  const out: FlatRecord = {};
  set(out, 'record_id', record.recordId);
  set(out, 'kind', record.kind);
  set(out, 'action', record.action);
  set(out, 'time', record.time);
  set(out, 'severity', record.severity);
  set(out, 'event', d.event);
  set(out, 'transport_id', d.transportId);
  set(out, 'snyk_timestamp', d.snykTimestamp);
  set(out, 'snyk_timestamp_header', d.snykTimestampHeader);
  set(out, 'received_at', d.receivedAt);
  if (o !== undefined) {
    set(out, 'org_id', o.id);
    set(out, 'org_name', o.name);
    set(out, 'org_slug', o.slug);
    set(out, 'org_url', o.url);
    set(out, 'org_group_id', o.groupId);
    set(out, 'org_group_name', o.groupName);
  }
  if (p !== undefined) {
    set(out, 'project_id', p.id);
    set(out, 'project_name', p.name);
    set(out, 'project_type', p.type);
    set(out, 'project_origin', p.origin);
    set(out, 'project_branch', p.branch);
    set(out, 'project_target_file', p.targetFile);
    set(out, 'project_browse_url', p.browseUrl);
    set(out, 'project_image_id', p.imageId);
    set(out, 'project_image_tag', p.imageTag);
    set(out, 'project_image_base_image', p.imageBaseImage);
    set(out, 'project_image_platform', p.imagePlatform);
    set(out, 'project_image_cluster', p.imageCluster);
    set(out, 'project_last_tested', p.lastTested);
    if (p.tags.length > 0) out['project_tags'] = p.tags.map((t) => `${t.key}:${t.value}`);
    setList(out, 'project_criticality', p.attributes.criticality);
    setList(out, 'project_environment', p.attributes.environment);
    setList(out, 'project_lifecycle', p.attributes.lifecycle);
    set(out, 'project_tags_omitted', p.tagsOmitted);
    set(out, 'project_attributes_omitted', p.attributesOmitted);
  }
  // Only on a record cut to fit a target's size limit (fit.ts): which free-text fields lost text.
  if (record.truncatedFields !== undefined) setList(out, 'truncated_fields', record.truncatedFields);
  // Only on a record reconciliation emitted from Snyk's REST API for a lost delivery (docs/reconcile.md).
  if (record.kind === 'finding' && record.reconciled === true) out['reconciled'] = true;
  return out;
}

function addKindFields(out: FlatRecord, record: NormalizedRecord): void {
  if (record.kind === 'finding') addFindingFields(out, record);
  else if (record.kind === 'summary') addSummaryFields(out, record);
  else addGenericFields(out, record);
}

function addFindingFields(out: FlatRecord, record: Finding): void {
  const i = record.issue;
  // +1 when introduced, -1 when resolved: summed per issue it says whether the issue is still open, in
  // query languages without a "latest value" function (Rapid7 LEQL).
  out['open_delta'] = record.action === 'issue_introduced' ? 1 : -1;
  out['issue_id'] = i.id;
  out['issue_title'] = i.title;
  out['issue_type'] = i.type;
  set(out, 'issue_url', i.url);
  set(out, 'cvss_score', i.cvssScore);
  set(out, 'cvss_vector', i.cvssVector);
  set(out, 'cvss_version', i.cvssVersion);
  const omitted = i.omitted;
  out['cves'] = i.cves;
  set(out, 'cves_omitted', omitted?.cves);
  out['cwes'] = i.cwes;
  set(out, 'cwes_omitted', omitted?.cwes);
  out['ghsas'] = i.ghsas;
  set(out, 'ghsas_omitted', omitted?.ghsas);
  set(out, 'exploit_maturity', i.exploitMaturity);
  set(out, 'priority_score', i.priorityScore);
  set(out, 'package_name', i.packageName);
  out['package_versions'] = i.packageVersions;
  set(out, 'package_versions_omitted', omitted?.packageVersions);
  set(out, 'language', i.language);
  out['has_fix'] = i.hasFix;
  set(out, 'is_upgradable', i.isUpgradable);
  set(out, 'is_patchable', i.isPatchable);
  set(out, 'is_pinnable', i.isPinnable);
  set(out, 'is_fixable', i.isFixable);
  set(out, 'is_partially_fixable', i.isPartiallyFixable);
  out['fixed_in'] = i.fixedIn;
  set(out, 'fixed_in_omitted', omitted?.fixedIn);
  set(out, 'nearest_fixed_in_version', i.nearestFixedInVersion);
  set(out, 'publication_time', i.publicationTime);
  set(out, 'disclosure_time', i.disclosureTime);
  set(out, 'is_malicious_package', i.isMaliciousPackage);
  set(out, 'is_ignored', i.isIgnored);
  set(out, 'is_patched', i.isPatched);
  // The newer detail blocks (snyk/read-details.ts): each only when Snyk sent it, never as an empty list.
  set(out, 'introduced_date', i.introducedDate);
  setList(out, 'semver_vulnerable', i.semverVulnerable ?? []);
  set(out, 'semver_vulnerable_omitted', omitted?.semverVulnerable);
  setList(out, 'upgrade_path', i.upgradePath ?? []);
  set(out, 'upgrade_path_omitted', omitted?.upgradePath);
  setList(out, 'remediation', i.remediation ?? []);
  set(out, 'remediation_omitted', omitted?.remediation);
  set(out, 'epss_probability', i.epss?.probability);
  set(out, 'epss_percentile', i.epss?.percentile);
  set(out, 'epss_model_version', i.epss?.modelVersion);
  if (i.severities !== undefined) setList(out, 'severities', i.severities.map(severityText));
  set(out, 'severities_omitted', omitted?.severities);
  setList(out, 'exploit_sources', i.exploitSources ?? []);
  set(out, 'exploit_sources_omitted', omitted?.exploitSources);
  if (i.exploitMaturityLevels !== undefined)
    setList(out, 'exploit_maturity_levels', i.exploitMaturityLevels.map(maturityText));
  set(out, 'exploit_maturity_levels_omitted', omitted?.exploitMaturityLevels);
  // Numbers outside their field's range, left out above (only present when there are any).
  if (i.droppedFields !== undefined) setList(out, 'dropped_fields', i.droppedFields);
  set(out, 'description', i.description);
}

function addSummaryFields(out: FlatRecord, record: SnapshotSummary): void {
  const { openCounts: o, newCounts: n, removedCounts: r } = record;
  out['open_critical'] = o.critical;
  out['open_high'] = o.high;
  out['open_medium'] = o.medium;
  out['open_low'] = o.low;
  out['new_total'] = record.newTotal;
  // Issues past the per-list limit: counted, with no finding of their own (only present when there are any).
  if (record.newOmitted > 0) out['new_omitted'] = record.newOmitted;
  out['new_critical'] = n.critical;
  out['new_high'] = n.high;
  out['new_medium'] = n.medium;
  out['new_low'] = n.low;
  out['removed_total'] = record.removedTotal;
  if (record.removedOmitted > 0) out['removed_omitted'] = record.removedOmitted;
  out['removed_critical'] = r.critical;
  out['removed_high'] = r.high;
  out['removed_medium'] = r.medium;
  out['removed_low'] = r.low;
  // Open counts that were numbers but not counts, written as 0 above (only present when there are any).
  if (record.droppedFields !== undefined) setList(out, 'dropped_fields', record.droppedFields);
}

function addGenericFields(out: FlatRecord, record: GenericEvent): void {
  out['payload_bytes'] = record.payloadBytes;
}

function set(out: FlatRecord, key: string, value: FlatValue | undefined): void {
  if (value !== undefined) out[key] = value;
}

function setList(out: FlatRecord, key: string, values: readonly string[]): void {
  if (values.length > 0) out[key] = values;
}
