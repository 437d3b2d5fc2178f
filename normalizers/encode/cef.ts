// CEF encoder: one record → one `CEF:0|Snyk|<product>|<version>|<id>|<name>|<severity>|<extension>` line.
import { isContainerType, productFor } from '../product.js';
import { severityScore } from '../severity.js';
import { fitted, visibleLine, visibleText } from '../text.js';
import { epochMillis } from '../time.js';
import { PRODUCT_VERSION } from '../version.js';
import type { Finding, GenericEvent, NormalizedRecord, OmittedCounts, SnapshotSummary } from '../types.js';
import { eventClassId } from './event-id.js';
import { counts, fixedInLabel, joinList, packageLabel } from './fields.js';

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
    if (value === undefined) return;
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
    if (value === undefined || value === '') return;
    this.add(`${key}Label`, label, labelLimit);
    this.add(key, value, limit);
  }

  toString(): string {
    return this.text;
  }
}

export function encodeCef(record: NormalizedRecord): string {
  const ext = new Extension();
  ext.add('rt', millis(record.time), 0);
  ext.add('act', record.action, CEF_LIMITS.act);
  if (record.kind === 'finding') findingPairs(ext, record);
  else if (record.kind === 'summary') summaryPairs(ext, record);
  else genericPairs(ext, record);
  // externalId goes last: a CEF parser drops the trailing spaces of the last value, and a record id has none.
  ext.add('externalId', record.recordId, CEF_LIMITS.externalId);
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
  ext.labelled('cn2', 'Has Fix', issue.hasFix ? 1 : 0, 0);
  ext.labelled('cfp1', 'CVSS Score', issue.cvssScore, 0);
  ext.labelled('flexString1', 'CVSS Vector', issue.cvssVector, L.flexString, L.flexLabel);
  ext.labelled('flexString2', 'Exploit Maturity', issue.exploitMaturity, L.flexString, L.flexLabel);
  ext.labelled('deviceCustomDate1', 'Published', millis(issue.publicationTime), 0);
  ext.labelled('deviceCustomDate2', 'Disclosed', millis(issue.disclosureTime), 0);
  ext.add('snykSeverity', issue.severity, L.userDefined);
  ext.add('snykGHSA', joinList(issue.ghsas), L.userDefined);
  ext.add('snykProjectType', p?.type, L.userDefined);
  ext.add('snykProjectUrl', p?.browseUrl, L.userDefined);
  ext.add('snykBranch', p?.branch, L.userDefined);
  ext.add('snykTargetFile', p?.targetFile, L.userDefined);
  // Snyk also sends imageTag for non-container projects (a package version there), so only containers get it.
  ext.add('snykImageTag', isContainerType(p?.type) ? p?.imageTag : undefined, L.userDefined);
  ext.add('snykGroupId', record.org?.groupId, L.userDefined);
  ext.add('snykIgnored', bool(issue.isIgnored), L.userDefined);
  ext.add('snykPatched', bool(issue.isPatched), L.userDefined);
  ext.add('snykMaliciousPackage', bool(issue.isMaliciousPackage), L.userDefined);
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
  ext.add('snykOmitted', listsCut(issue.omitted), L.userDefined);
  // The advisory is markdown of several KB; msg keeps its first 1023 characters, `request` links the rest.
  ext.add('msg', issue.description, L.msg);
}

function summaryPairs(ext: Extension, record: SnapshotSummary): void {
  const L = CEF_LIMITS;
  ext.labelled('cs1', 'Open Issues', counts(record.openCounts), L.customString);
  ext.labelled('cs2', 'New Issues', counts(record.newCounts), L.customString);
  ext.labelled('cs3', 'Removed Issues', counts(record.removedCounts), L.customString);
  place(ext, record);
  ext.labelled('cn1', 'New Total', record.newTotal, 0);
  ext.labelled('cn2', 'Removed Total', record.removedTotal, 0);
  ext.add('snykProjectType', record.project?.type, L.userDefined);
  ext.add('snykProjectUrl', record.project?.browseUrl, L.userDefined);
  ext.add('snykGroupId', record.org?.groupId, L.userDefined);
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
  ext.add('snykOmitted', issuesCut(record), L.userDefined);
  ext.add('msg', `${record.newTotal} new and ${record.removedTotal} removed issues`, L.msg);
}

function genericPairs(ext: Extension, record: GenericEvent): void {
  const L = CEF_LIMITS;
  ext.labelled('cs1', 'Snyk Event', record.delivery.event, L.customString);
  place(ext, record);
  ext.labelled('cn1', 'Payload Bytes', record.payloadBytes, 0);
  ext.add('snykTransportId', record.delivery.transportId, L.userDefined);
  ext.add('snykTimestampHeader', record.delivery.snykTimestampHeader, L.userDefined);
}

// Names of the lists an issue can lose entries from, as in the JSON format (`cves_omitted` → `cves`).
const LIST_NAMES: Record<keyof OmittedCounts, string> = {
  cves: 'cves',
  cwes: 'cwes',
  ghsas: 'ghsas',
  fixedIn: 'fixed_in',
  packageVersions: 'package_versions',
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

function integer(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value);
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
