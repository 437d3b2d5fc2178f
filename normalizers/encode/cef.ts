// CEF encoder: one record → one `CEF:0|Snyk|<product>|<version>|<id>|<name>|<severity>|<extension>` line.
import { productFor } from '../product.js';
import { severityScore } from '../severity.js';
import { fitted, visibleLine, visibleText } from '../text.js';
import { epochMillis } from '../time.js';
import { PRODUCT_VERSION } from '../version.js';
import type { Finding, GenericEvent, NormalizedRecord, OmittedCounts, SnapshotSummary } from '../types.js';
import { eventClassId } from './event-id.js';
import { counts, fixedInLabel, joinList, maturityText, packageLabel, severityText } from './fields.js';

// Spec: "Implementing ArcSight CEF" rev 25 (same rules in rev 27), "Character Encoding" and the extension
// dictionary.

/** Maximum lengths from the CEF header table and extension dictionary ("Implementing ArcSight CEF" rev 25). */
export const CEF_LIMITS = {
  deviceVendor: 63,
  deviceProduct: 63,
  deviceVersion: 31,
  deviceEventClassId: 1023,
  name: 512,
  msg: 1023,
  act: 63,
  cat: 1023,
  request: 1023,
  externalId: 40,
  customString: 4000,
  flexString: 1023,
  label: 1023,
  flexLabel: 128,
  // No dictionary limit applies to user-defined keys (spec ch. 4); 1023 keeps them in line with the others.
  userDefined: 1023,
} as const;

/**
 * Collects `key=value` pairs into the extension text. Undefined values are left out, together with their label;
 * text is made visible, cut to its limit and escaped; numbers are written as they are.
 */
class Extension {
  private text = '';

  add(key: string, value: string | number | undefined, limit: number): void {
    if (value === undefined || !carried(value)) return;
    const encoded =
      typeof value === 'number' ? String(value) : escapeExtension(fitted(value, limit, visibleText));
    if (encoded === '') return;
    this.text += this.text === '' ? `${key}=${encoded}` : ` ${key}=${encoded}`;
  }

  /** A custom key and its label (`cs1Label=CVE cs1=…`), both left out when the value is absent. */
  labelled(
    key: string,
    label: string,
    value: string | number | undefined,
    limit: number,
    labelLimit: number = CEF_LIMITS.label,
  ): void {
    if (value === undefined || value === '' || !carried(value)) return;
    this.add(`${key}Label`, label, labelLimit);
    this.add(key, value, limit);
  }

  toString(): string {
    return this.text;
  }
}

/** Text, or a finite number: NaN and ±Infinity have no CEF form, so they are left out with their label. */
function carried(value: string | number): boolean {
  return typeof value === 'string' || Number.isFinite(value);
}

export function encodeCef(record: NormalizedRecord): string {
  const ext = new Extension();
  // The record id goes first: a relay that cuts a long line at its size limit (1-8 KB for many syslog hops,
  // RFC 5426 §3.2, rsyslog maxMessageSize) keeps it, and with it the key SIEMs deduplicate on.
  ext.add('externalId', record.recordId, CEF_LIMITS.externalId);
  ext.add('rt', millis(record.time), 0);
  ext.add('act', record.action, CEF_LIMITS.act);
  // Each kind ends with a numeric key that is always present: a CEF parser drops the trailing spaces of the last
  // value ("Implementing ArcSight CEF", "Character Encoding"), and a number has none, so no text value loses them.
  if (record.kind === 'finding') findingPairs(ext, record);
  else if (record.kind === 'summary') summaryPairs(ext, record);
  else genericPairs(ext, record);
  return cefHeader(record) + ext.toString();
}

function cefHeader(record: NormalizedRecord): string {
  const product = productFor(record.project?.type);
  let classId: string;
  let name: string;
  if (record.kind === 'finding') {
    classId = eventClassId(record.issue.id, CEF_LIMITS.deviceEventClassId);
    name = record.issue.title;
  } else if (record.kind === 'summary') {
    classId = 'snyk-project-snapshot';
    name = 'Project snapshot';
  } else {
    classId = 'snyk-event';
    name = `Snyk event ${record.delivery.event}`;
  }
  const field = (value: string, limit: number): string => escapeHeader(fitted(value, limit, visibleLine));
  return [
    'CEF:0',
    field('Snyk', CEF_LIMITS.deviceVendor),
    field(product, CEF_LIMITS.deviceProduct),
    field(PRODUCT_VERSION, CEF_LIMITS.deviceVersion),
    classId,
    field(name === '' ? classId : name, CEF_LIMITS.name),
    String(severityScore(record.severity)),
    '',
  ].join('|');
}

const HEADER_SPECIALS = /[\\|]/;
const HEADER_SPECIALS_ALL = /[\\|]/g;
const EXTENSION_SPECIALS = /[\\=\r\n]/;

/** Header fields: `\` → `\\` and `|` → `\|` ("Character Encoding"); CR/LF are made visible beforehand. */
export function escapeHeader(value: string): string {
  return HEADER_SPECIALS.test(value) ? value.replace(HEADER_SPECIALS_ALL, (c) => `\\${c}`) : value;
}

/** Extension values: `\` → `\\`, `=` → `\=`, CR → `\r`, LF → `\n` ("Character Encoding"); `|` stays literal. */
export function escapeExtension(value: string): string {
  if (!EXTENSION_SPECIALS.test(value)) return value;
  // Native replaceAll passes beat one regex pass with a callback; the backslash goes first so it is not doubled twice.
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('=', '\\=')
    .replaceAll('\r', '\\r')
    .replaceAll('\n', '\\n');
}

function place(ext: Extension, record: NormalizedRecord): void {
  const L = CEF_LIMITS;
  ext.labelled('cs4', 'Project', record.project?.name, L.customString);
  ext.labelled('cs5', 'Organization', record.org?.name, L.customString);
  ext.add('snykProjectId', record.project?.id, L.userDefined);
  ext.add('snykOrgId', record.org?.id, L.userDefined);
  ext.add('snykOrgSlug', record.org?.slug, L.userDefined);
  // The test that produced the snapshot: a typed date, so the only free custom date slot (flexDate1) carries it.
  ext.labelled('flexDate1', 'Last Tested', millis(record.project?.lastTested), 0, L.flexLabel);
}

function findingPairs(ext: Extension, record: Finding): void {
  const L = CEF_LIMITS;
  const issue = record.issue;
  const p = record.project;
  ext.add('cat', issue.type, L.cat);
  ext.add('request', issue.url, L.request);
  ext.labelled('cs1', 'CVE', joinList(issue.cves), L.customString);
  ext.labelled('cs2', 'CWE', joinList(issue.cwes), L.customString);
  ext.labelled('cs3', 'Package', packageLabel(issue), L.customString);
  place(ext, record);
  ext.labelled('cs6', 'Fixed In', fixedInLabel(issue), L.customString);
  ext.labelled('cn1', 'Priority Score', integer(issue.priorityScore), 0);
  ext.labelled('cfp1', 'CVSS Score', issue.cvssScore, 0);
  ext.labelled('flexString1', 'CVSS Vector', issue.cvssVector, L.flexString, L.flexLabel);
  ext.labelled('flexString2', 'Exploit Maturity', issue.exploitMaturity, L.flexString, L.flexLabel);
  ext.labelled('deviceCustomDate1', 'Published', millis(issue.publicationTime), 0);
  ext.labelled('deviceCustomDate2', 'Disclosed', millis(issue.disclosureTime), 0);
  ext.labelled('cfp2', 'EPSS Probability', issue.epss?.probability, 0);
  ext.labelled('cfp3', 'EPSS Percentile', issue.epss?.percentile, 0);
  ext.add('snykSeverity', issue.severity, L.userDefined);
  ext.add('snykGHSA', joinList(issue.ghsas), L.userDefined);
  ext.add('snykProjectType', p?.type, L.userDefined);
  ext.add('snykProjectUrl', p?.browseUrl, L.userDefined);
  ext.add('snykBranch', p?.branch, L.userDefined);
  ext.add('snykTargetFile', p?.targetFile, L.userDefined);
  // Set for container projects only (parse-project-snapshot.ts): elsewhere Snyk's imageTag is a package version.
  ext.add('snykImageTag', p?.imageTag, L.userDefined);
  ext.add('snykGroupId', record.org?.groupId, L.userDefined);
  ext.add('snykIgnored', bool(issue.isIgnored), L.userDefined);
  ext.add('snykPatched', bool(issue.isPatched), L.userDefined);
  ext.add('snykMaliciousPackage', bool(issue.isMaliciousPackage), L.userDefined);
  // What no typed slot is left for (cs1-6, flexString1-2 and both custom dates are taken): user-defined keys,
  // which ArcSight shows under "Additional Data" (spec ch. 4). Dates among them are ISO 8601 text, as they have no type.
  ext.add('snykUpgradable', bool(issue.isUpgradable), L.userDefined);
  ext.add('snykPatchable', bool(issue.isPatchable), L.userDefined);
  ext.add('snykPinnable', bool(issue.isPinnable), L.userDefined);
  ext.add('snykFixable', bool(issue.isFixable), L.userDefined);
  ext.add('snykPartiallyFixable', bool(issue.isPartiallyFixable), L.userDefined);
  ext.add('snykLanguage', issue.language, L.userDefined);
  ext.add('snykProjectOrigin', p?.origin, L.userDefined);
  ext.add('snykIntroducedDate', issue.introducedDate, L.userDefined);
  ext.add('snykVulnerableVersions', joinList(issue.semverVulnerable ?? []), L.userDefined);
  ext.add('snykUpgradePath', (issue.upgradePath ?? []).join(' > ') || undefined, L.userDefined);
  ext.add('snykRemediation', joinList(issue.remediation ?? []), L.userDefined);
  ext.add('snykEpssModel', issue.epss?.modelVersion, L.userDefined);
  ext.add('snykSeverities', joinList((issue.severities ?? []).map(severityText)), L.userDefined);
  ext.add('snykExploitSources', joinList(issue.exploitSources ?? []), L.userDefined);
  ext.add(
    'snykExploitMaturityLevels',
    joinList((issue.exploitMaturityLevels ?? []).map(maturityText)),
    L.userDefined,
  );
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
  ext.add('snykOmitted', listsCut(issue.omitted), L.userDefined);
  ext.add('snykDropped', joinList(issue.droppedFields ?? []), L.userDefined);
  // Set only when the record was cut to fit a target's size limit (fit.ts): `description, issue_title`.
  const truncated = record.truncatedFields;
  if (truncated !== undefined) ext.add('snykTruncated', joinList(truncated), L.userDefined);
  // Set only on a record reconciliation emitted from Snyk's REST API for a lost delivery (docs/reconcile.md).
  if (record.reconciled === true) ext.add('snykReconciled', 'true', L.userDefined);
  // The advisory is markdown of several KB; msg keeps its first 1023 characters, `request` links the rest.
  ext.add('msg', issue.description, L.msg);
  ext.labelled('cn2', 'Has Fix', issue.hasFix ? 1 : 0, 0);
}

function summaryPairs(ext: Extension, record: SnapshotSummary): void {
  const L = CEF_LIMITS;
  ext.labelled('cs1', 'Open Issues', counts(record.openCounts), L.customString);
  ext.labelled('cs2', 'New Issues', counts(record.newCounts), L.customString);
  ext.labelled('cs3', 'Removed Issues', counts(record.removedCounts), L.customString);
  place(ext, record);
  ext.labelled('cn1', 'New Total', record.newTotal, 0);
  ext.add('snykProjectType', record.project?.type, L.userDefined);
  ext.add('snykProjectUrl', record.project?.browseUrl, L.userDefined);
  ext.add('snykGroupId', record.org?.groupId, L.userDefined);
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
  ext.add('snykOmitted', issuesCut(record), L.userDefined);
  ext.add('snykDropped', joinList(record.droppedFields ?? []), L.userDefined);
  ext.add('msg', `${record.newTotal} new and ${record.removedTotal} removed issues`, L.msg);
  ext.labelled('cn2', 'Removed Total', record.removedTotal, 0);
}

function genericPairs(ext: Extension, record: GenericEvent): void {
  const L = CEF_LIMITS;
  ext.labelled('cs1', 'Snyk Event', record.delivery.event, L.customString);
  place(ext, record);
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
  ext.labelled('cn1', 'Payload Bytes', record.payloadBytes, 0);
}

// Names of the lists an issue can lose entries from, as in the JSON format (`cves_omitted` → `cves`).
const LIST_NAMES: Record<keyof OmittedCounts, string> = {
  cves: 'cves',
  cwes: 'cwes',
  ghsas: 'ghsas',
  fixedIn: 'fixed_in',
  packageVersions: 'package_versions',
  semverVulnerable: 'semver_vulnerable',
  upgradePath: 'upgrade_path',
  remediation: 'remediation',
  severities: 'severities',
  exploitSources: 'exploit_sources',
  exploitMaturityLevels: 'exploit_maturity_levels',
};

/** `cves:249000 fixed_in:3`: which lists the per-list limit cut, and by how many distinct entries. */
function listsCut(omitted: OmittedCounts | undefined): string | undefined {
  if (omitted === undefined) return undefined;
  const parts: string[] = [];
  for (const key of Object.keys(LIST_NAMES) as (keyof OmittedCounts)[]) {
    const n = omitted[key];
    if (n !== undefined && n > 0) parts.push(`${LIST_NAMES[key]}:${n}`);
  }
  return parts.length === 0 ? undefined : parts.join(' ');
}

/** `new:7 removed:2`: issues past the per-list limit, which have no finding of their own. */
function issuesCut(record: SnapshotSummary): string | undefined {
  const parts: string[] = [];
  if (record.newOmitted > 0) parts.push(`new:${record.newOmitted}`);
  if (record.removedOmitted > 0) parts.push(`removed:${record.removedOmitted}`);
  return parts.length === 0 ? undefined : parts.join(' ');
}

/**
 * A `cnN` value: ArcSight's Number type is a Java long, and past 2^53-1 JSON readers of the same record disagree on the
 * value, so only safe integers are written; anything else is left out.
 */
function integer(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Math.round(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** CEF timestamps as epoch milliseconds (spec Appendix A "Date Formats"). */
function millis(time: string | undefined): number | undefined {
  if (time === undefined) return undefined;
  const ms = epochMillis(time);
  return Number.isFinite(ms) ? ms : undefined;
}

function bool(value: boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
