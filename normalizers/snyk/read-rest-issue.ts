// Reads one issue of Snyk's REST API (`GET /rest/orgs/{org_id}/issues`, JSON:API) into the Finding model's IssueInfo.
import { LIMITS } from '../limits.js';
import { canonicalTime } from '../time.js';
import {
  SEVERITIES,
  type ExploitMaturityLevel,
  type IssueInfo,
  type Severity,
  type SeveritySource,
} from '../types.js';
import { asBoolean, asNumberIn, asObject, asString } from './lenient.js';

// The field mapping is Snyk's own, from its migration guide "v1 Reporting issues and v1 Aggregated issues APIs to
// REST Issues API" (snyk/user-docs, docs/snyk-api/…/guides-to-migration/): issueData.id → problems[] entry with
// source SNYK; pkgName/pkgVersions → coordinates[].representations[].dependency.package_name/package_version;
// issueData.severity → effective_severity_level; identifiers.CVE → problems[] with source NVD; identifiers.CWE →
// classes[].id; CVSS → severities[]; exploitMaturity → exploit_details.maturity_levels; isIgnored → ignored;
// fixInfo.is* → coordinates[].is_upgradeable, is_patchable, is_pinnable, is_fixable_*; priorityScore → risk.score.
// What REST does not carry (description, semver, publication and disclosure times, patches, isMaliciousPackage) is
// left out, never made up.

/** The REST issue types a webhook also reports: Open Source and Container projects (vulnerabilities, licences). */
const WEBHOOK_TYPES: Readonly<Record<string, string>> = { package_vulnerability: 'vuln', license: 'license' };

const SEVERITY_NAMES: ReadonlySet<string> = new Set<string>(SEVERITIES);
const CVSS_VERSION = /^CVSS:(\d+\.\d+)\//;

/** One REST issue, as far as reconciliation needs it: its join key parts, its state and the finding it describes. */
export interface RestIssue {
  /** The REST issue id (a UUID unrelated to the Snyk vulnerability id). */
  restId: string;
  /** relationships.scan_item.data.id when the scan item is a project. */
  projectId: string;
  status: 'open' | 'resolved';
  /** Canonical ISO 8601, when Snyk gave them. */
  createdAt?: string;
  updatedAt?: string;
  resolvedAt?: string;
  /** The finding, one package version per entry of packageVersions (one Finding per version: finding-key.ts). */
  issue: IssueInfo;
}

/**
 * The issue, or undefined when it cannot be joined with webhook findings: another issue type (Code, IaC, custom),
 * no project as its scan item, no SNYK problem id, or no readable severity.
 */
export function readRestIssue(value: unknown): RestIssue | undefined {
  const raw = asObject(value);
  const attributes = asObject(raw?.['attributes']);
  if (raw === undefined || attributes === undefined) return undefined;
  const restId = asString(raw['id']);
  const type = WEBHOOK_TYPES[asString(attributes['type']) ?? ''];
  const scanItem = asObject(asObject(asObject(raw['relationships'])?.['scan_item'])?.['data']);
  const projectId = asString(scanItem?.['type']) === 'project' ? asString(scanItem?.['id']) : undefined;
  const status = asString(attributes['status']);
  const severity = (asString(attributes['effective_severity_level']) ?? '').toLowerCase();
  const problems = objects(attributes['problems']);
  const snykProblem = problems.find((p) => (asString(p['source']) ?? '').toUpperCase() === 'SNYK');
  const id = asString(snykProblem?.['id']);
  if (
    restId === undefined ||
    type === undefined ||
    projectId === undefined ||
    (status !== 'open' && status !== 'resolved') ||
    !SEVERITY_NAMES.has(severity) ||
    id === undefined
  )
    return undefined;

  const coordinates = objects(attributes['coordinates']);
  const packages = packagesOf(coordinates);
  const severities = objects(attributes['severities']).map(severitySource);
  const primary = severities.find((s) => s.source?.toLowerCase() === 'snyk') ?? severities[0];
  const exploit = asObject(attributes['exploit_details']);
  const maturity = objects(exploit?.['maturity_levels']).flatMap((m): ExploitMaturityLevel[] => {
    const level = asString(m['level']);
    if (level === undefined) return [];
    const format = asString(m['format']);
    return [format === undefined ? { level } : { format, level }];
  });
  const fix = (key: string): boolean | undefined => anyFlag(coordinates, key);
  const isFixable = anyFlag(coordinates, 'is_fixable_snyk', 'is_fixable_manually', 'is_fixable_upstream');
  const isUpgradable = fix('is_upgradeable');
  const isPatchable = fix('is_patchable');
  const isPinnable = fix('is_pinnable');
  const risk = asObject(asObject(attributes['risk'])?.['score']);
  const priority = asNumberIn(risk?.['value'], 0, 1000);
  const createdAt = canonicalTime(attributes['created_at']);
  const issue: IssueInfo = {
    id,
    title: asString(attributes['title']) ?? '',
    type,
    severity: severity as Severity,
    cves: problemIds(problems, 'NVD', 'CVE-'),
    cwes: classIds(attributes['classes']),
    ghsas: problemIds(problems, 'GHSA', 'GHSA-'),
    hasFix: [isUpgradable, isPatchable, isPinnable, isFixable].includes(true),
    fixedIn: [],
    packageVersions: packages.versions,
  };
  const set = <K extends keyof IssueInfo>(key: K, v: IssueInfo[K] | undefined): void => {
    if (v !== undefined) issue[key] = v;
  };
  set('url', asString(snykProblem?.['url']));
  set('packageName', packages.name);
  set('cvssScore', primary?.score);
  set('cvssVector', primary?.vector);
  set('cvssVersion', primary?.vector === undefined ? undefined : CVSS_VERSION.exec(primary.vector)?.[1]);
  if (severities.length > 0) issue.severities = severities.slice(0, LIMITS.itemsPerList);
  if (maturity.length > 0) issue.exploitMaturityLevels = maturity.slice(0, LIMITS.itemsPerList);
  const sources = strings(exploit?.['sources']);
  if (sources.length > 0) issue.exploitSources = sources;
  set('isUpgradable', isUpgradable);
  set('isPatchable', isPatchable);
  set('isPinnable', isPinnable);
  set('isFixable', isFixable);
  set('priorityScore', typeof priority === 'number' ? priority : undefined);
  set('isIgnored', asBoolean(attributes['ignored']));
  set('introducedDate', createdAt);

  const rest: RestIssue = { restId, projectId, status, issue };
  if (createdAt !== undefined) rest.createdAt = createdAt;
  const updatedAt = canonicalTime(attributes['updated_at']);
  if (updatedAt !== undefined) rest.updatedAt = updatedAt;
  const resolvedAt = canonicalTime(asObject(attributes['resolution'])?.['resolved_at']);
  if (resolvedAt !== undefined) rest.resolvedAt = resolvedAt;
  return rest;
}

function objects(v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((item) => {
    const o = asObject(item);
    return o === undefined ? [] : [o];
  });
}

function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out = new Set<string>();
  for (const item of v) {
    const s = asString(item);
    if (s !== undefined && out.size < LIMITS.itemsPerList) out.add(s);
  }
  return [...out];
}

/** The ids of problems from one source (or with the id's usual prefix), e.g. the CVEs NVD lists. */
function problemIds(problems: readonly Record<string, unknown>[], source: string, prefix: string): string[] {
  const out = new Set<string>();
  for (const p of problems) {
    const id = asString(p['id']);
    if (id === undefined || out.size >= LIMITS.itemsPerList) continue;
    if ((asString(p['source']) ?? '').toUpperCase() === source || id.startsWith(prefix)) out.add(id);
  }
  return [...out];
}

function classIds(v: unknown): string[] {
  return strings(objects(v).map((c) => c['id']));
}

/**
 * The package and its versions across the coordinates' representations. A webhook issue names one package with its
 * versions (pkgName, pkgVersions); a REST issue of an Open Source project names one dependency per coordinate.
 */
function packagesOf(coordinates: readonly Record<string, unknown>[]): { name?: string; versions: string[] } {
  let name: string | undefined;
  const versions = new Set<string>();
  for (const coordinate of coordinates) {
    for (const representation of objects(coordinate['representations'])) {
      const dependency = asObject(representation['dependency']);
      const packageName = asString(dependency?.['package_name']);
      if (packageName === undefined || (name !== undefined && packageName !== name)) continue;
      name = packageName;
      const version = asString(dependency?.['package_version']);
      if (version !== undefined && versions.size < LIMITS.itemsPerList) versions.add(version);
    }
  }
  return name === undefined ? { versions: [...versions] } : { name, versions: [...versions] };
}

/** True when any coordinate sets one of the keys true, false when they are all false, undefined when none is set. */
function anyFlag(coordinates: readonly Record<string, unknown>[], ...keys: string[]): boolean | undefined {
  let seen: boolean | undefined;
  for (const coordinate of coordinates)
    for (const key of keys) {
      const flag = asBoolean(coordinate[key]);
      if (flag === true) return true;
      if (flag === false) seen = false;
    }
  return seen;
}

function severitySource(s: Record<string, unknown>): SeveritySource {
  const out: SeveritySource = {};
  const source = asString(s['source']);
  const level = asString(s['level']);
  const score = asNumberIn(s['score'], 0, 10);
  const vector = asString(s['vector']);
  const version = asString(s['version']);
  if (source !== undefined) out.source = source;
  if (level !== undefined) out.level = level;
  if (typeof score === 'number') out.score = score;
  if (vector !== undefined) out.vector = vector;
  if (version !== undefined) out.version = version;
  return out;
}
