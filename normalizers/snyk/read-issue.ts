// Reads one element of newIssues/removedIssues (the v1 "aggregated issue" shape) into an IssueInfo, or throws PayloadError.
import { PayloadError } from '../errors.js';
import { canonicalTime } from '../time.js';
import { LIMITS } from '../limits.js';
import { SEVERITIES, type IssueInfo, type OmittedCounts, type Severity } from '../types.js';
import {
  asBoolean,
  asNumberIn,
  asObject,
  asString,
  OUT_OF_RANGE,
  readList,
  type ReadList,
} from './lenient.js';
import { readDetails } from './read-details.js';
import type { RemediationIndex } from './remediation.js';

// Field table: the v1 aggregated-issue shape (Snyk docs, "Webhook events and payloads"). Required: an object with issueData (an object), an id (issue.id or
// issueData.id) and a severity among low/medium/high/critical. Everything else is optional and dropped when its
// type is wrong. Written by hand rather than with zod: this runs once per issue, thousands of times per snapshot.

const SEVERITY_NAMES: ReadonlySet<string> = new Set<string>(SEVERITIES);

// CVSS vectors start with their version: `CVSS:3.1/AV:N/...`.
const CVSS_VERSION = /^CVSS:(\d+\.\d+)\//;

// Valid ranges of the numeric fields. Outside them a number is dropped and named in `droppedFields` (mapping §4):
// 1e300 or a 20-digit integer would otherwise reach a CEF `cn` key (a Java long) or an ECS float as garbage.
// CVSS scores are 0.0-10.0 (CVSS v3.1 specification §5, https://www.first.org/cvss/v3.1/specification-document);
// the priority score is 0-1000 (Snyk docs, "Priority Score"; the v1 aggregated issue's priority.score).
const CVSS_RANGE = [0, 10] as const;
const PRIORITY_RANGE = [0, 1000] as const;

/** `remediation`: the project's remediation steps by issue id (remediation.ts), when the snapshot has any. */
export function readIssue(value: unknown, path: string, remediation?: RemediationIndex): IssueInfo {
  const raw = asObject(value);
  if (raw === undefined) throw new PayloadError(path, 'issue must be an object');
  const data = asObject(raw['issueData']);
  if (data === undefined) throw new PayloadError(`${path}.issueData`, 'issueData must be an object');
  const id = asString(raw['id']) ?? asString(data['id']);
  if (id === undefined)
    throw new PayloadError(`${path}.id`, 'issue id is missing (neither id nor issueData.id)');
  const severityText = data['severity'];
  if (typeof severityText !== 'string') {
    throw new PayloadError(`${path}.issueData.severity`, 'severity must be a string');
  }
  const severity = severityText.toLowerCase();
  if (!SEVERITY_NAMES.has(severity)) {
    throw new PayloadError(
      `${path}.issueData.severity`,
      'severity must be one of low, medium, high, critical',
    );
  }

  const fix = asObject(raw['fixInfo']) ?? {};
  const identifiers = asObject(data['identifiers']) ?? {};
  const lists = {
    cves: readList(identifiers['CVE']),
    cwes: readList(identifiers['CWE']),
    ghsas: readList(identifiers['GHSA']),
    fixedIn: readList(fix['fixedIn']),
    packageVersions: readList(raw['pkgVersions']),
  };
  const issue: IssueInfo = {
    id,
    title: asString(data['title']) ?? id,
    type: asString(raw['issueType']) ?? 'vuln',
    severity: severity as Severity,
    cves: lists.cves.items,
    cwes: lists.cwes.items,
    ghsas: lists.ghsas.items,
    hasFix: false,
    fixedIn: lists.fixedIn.items,
    packageVersions: lists.packageVersions.items,
  };
  // The advisory is markdown of several KB (4.5-5.5 KB in the fixtures), so it has a limit of its own.
  set(issue, 'description', asString(data['description'], LIMITS.descriptionLength));
  const dropped: string[] = [];
  set(issue, 'cvssScore', ranged(data['cvssScore'], CVSS_RANGE, 'cvss_score', dropped));
  const vector = asString(data['CVSSv3']);
  if (vector !== undefined) {
    issue.cvssVector = vector;
    set(issue, 'cvssVersion', CVSS_VERSION.exec(vector)?.[1]);
  }
  set(issue, 'url', asString(data['url']));
  set(issue, 'exploitMaturity', asString(data['exploitMaturity']));
  set(issue, 'isUpgradable', asBoolean(fix['isUpgradable']));
  set(issue, 'isPatchable', asBoolean(fix['isPatchable']));
  set(issue, 'isPinnable', asBoolean(fix['isPinnable']));
  set(issue, 'isFixable', asBoolean(fix['isFixable']));
  set(issue, 'isPartiallyFixable', asBoolean(fix['isPartiallyFixable']));
  // "populated for container projects only" (Snyk's payload docs), in fixInfo and in issueData.
  set(
    issue,
    'nearestFixedInVersion',
    asString(fix['nearestFixedInVersion']) ?? asString(data['nearestFixedInVersion']),
  );
  // priorityScore duplicates priority.score and is not in Snyk's payload docs; either may be missing
  // (test/fixtures/snyk/README.md, "Variations to parse for").
  const priority = [raw['priorityScore'], asObject(raw['priority'])?.['score']].map((v) =>
    asNumberIn(v, ...PRIORITY_RANGE),
  );
  const priorityScore = priority.find((p) => typeof p === 'number');
  if (typeof priorityScore === 'number') issue.priorityScore = priorityScore;
  else if (priority.includes(OUT_OF_RANGE)) dropped.push('priority_score');
  set(issue, 'packageName', asString(raw['pkgName']));
  set(issue, 'language', asString(data['language']));
  set(issue, 'publicationTime', canonicalTime(data['publicationTime']));
  set(issue, 'disclosureTime', canonicalTime(data['disclosureTime']));
  set(issue, 'isMaliciousPackage', asBoolean(data['isMaliciousPackage']));
  set(issue, 'isIgnored', asBoolean(raw['isIgnored']));
  set(issue, 'isPatched', asBoolean(raw['isPatched']));
  issue.hasFix =
    issue.isFixable === true ||
    issue.isPartiallyFixable === true ||
    issue.isUpgradable === true ||
    issue.isPatchable === true ||
    issue.isPinnable === true ||
    issue.fixedIn.length > 0 ||
    issue.nearestFixedInVersion !== undefined;
  const details = readDetails(issue, raw, data, remediation, dropped);
  set(issue, 'omitted', omittedCounts({ ...lists, ...details }));
  if (dropped.length > 0) issue.droppedFields = dropped;
  return issue;
}

/** The number when it is within `range`; else undefined, and `name` is added to `dropped` when it was a number. */
function ranged(
  value: unknown,
  range: readonly [number, number],
  name: string,
  dropped: string[],
): number | undefined {
  const n = asNumberIn(value, ...range);
  if (n === OUT_OF_RANGE) dropped.push(name);
  return n === OUT_OF_RANGE ? undefined : n;
}

/** The lists that lost entries to the per-list limit, with how many; undefined when none did. */
function omittedCounts(
  lists: Record<keyof OmittedCounts, Pick<ReadList, 'omitted'>>,
): OmittedCounts | undefined {
  let out: OmittedCounts | undefined;
  for (const key of Object.keys(lists) as (keyof OmittedCounts)[]) {
    const omitted = lists[key].omitted;
    if (omitted > 0) (out ??= {})[key] = omitted;
  }
  return out;
}

/** Sets an optional property only when there is a value, so absent fields stay absent. */
function set<K extends keyof IssueInfo>(issue: IssueInfo, key: K, value: IssueInfo[K] | undefined): void {
  if (value !== undefined) issue[key] = value;
}
