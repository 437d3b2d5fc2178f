// Reads an issue's optional detail blocks (EPSS, per-source severities, exploit details, upgrade path, ranges) into an IssueInfo.
import { LIMITS } from '../limits.js';
import { canonicalTime } from '../time.js';
import type { EpssInfo, ExploitMaturityLevel, IssueInfo, OmittedCounts, SeveritySource } from '../types.js';
import { asNumberIn, asObject, asString, OUT_OF_RANGE, readList } from './lenient.js';
import { stepsFor, type RemediationIndex } from './remediation.js';

// Shapes (test/fixtures/snyk/README.md, project_snapshot-v0.full-issue.json, says where each comes from):
// - issueData.semver.vulnerable: string[] of ecosystem-native ranges, "may be an array or a string" (Snyk's payload
//   docs, issue object);
// - upgradePath: `[false, "a@1.2.0", "b@0.6.0"]`, one entry per hop of the dependency path, `false` where nothing
//   changes (`snyk test --json`, Snyk docs "Reachability analysis" JSON output);
// - introducedDate: ISO 8601, when the issue entered the project (v1 reporting API, issue results);
// - issueData.epssDetails: `{probability, percentile, modelVersion}`, the numbers as decimal strings (Snyk docs JSON
//   output as above; FIRST EPSS model, https://www.first.org/epss/model: both are within 0-1);
// - issueData.severities[]: `{assigner, cvssVersion, severity, vector, baseScore, modificationTime}` (2025 vendor
//   sample of a webhook issue); the REST names (`source`, `level`, `score`, `version`) are read too;
// - issueData.exploitDetails: `{sources: string[], maturityLevels: [{format, level, type}]}`; Snyk sends an empty
//   `level` when it has none, and such an entry is left out.
// Every block is optional and read leniently, like the rest of the issue: a missing or malformed block, or a wrong
// type inside it, drops that part only. Lists keep LIMITS.itemsPerList entries and count the rest (mapping §8).

const UNIT_RANGE = [0, 1] as const;
const CVSS_RANGE = [0, 10] as const;

/** Object lists are cut like string lists: the first entries kept, the rest counted. */
interface Kept<T> {
  items: T[];
  omitted: number;
}

/**
 * Sets the detail fields of `issue` that the payload carries (absent ones stay absent, never empty) and returns the
 * per-list omitted counts. Numbers outside their range are left out and named in `dropped`.
 */
export function readDetails(
  issue: IssueInfo,
  raw: Record<string, unknown>,
  data: Record<string, unknown>,
  remediation: RemediationIndex | undefined,
  dropped: string[],
): Pick<
  Record<keyof OmittedCounts, { omitted: number }>,
  | 'semverVulnerable'
  | 'upgradePath'
  | 'remediation'
  | 'severities'
  | 'exploitSources'
  | 'exploitMaturityLevels'
> {
  const introduced = canonicalTime(raw['introducedDate']);
  if (introduced !== undefined) issue.introducedDate = introduced;
  const semverVulnerable = readList(asObject(data['semver'])?.['vulnerable']);
  // `false` entries (no change at that hop) are not strings, so readList skips them.
  const upgradePath = readList(raw['upgradePath']);
  const steps = stepsFor(remediation, issue.id);
  const exploit = asObject(data['exploitDetails']);
  const exploitSources = readList(exploit?.['sources']);
  // EPSS before severities, so that `dropped` names fields in the order the records list them.
  const epss = readEpss(data['epssDetails'], dropped);
  const severities = readSeverities(data['severities'], dropped);
  const maturityLevels = readMaturityLevels(exploit?.['maturityLevels']);
  if (semverVulnerable.items.length > 0) issue.semverVulnerable = semverVulnerable.items;
  if (upgradePath.items.length > 0) issue.upgradePath = upgradePath.items;
  if (steps.items.length > 0) issue.remediation = steps.items;
  if (epss !== undefined) issue.epss = epss;
  if (severities.items.length > 0) issue.severities = severities.items;
  if (exploitSources.items.length > 0) issue.exploitSources = exploitSources.items;
  if (maturityLevels.items.length > 0) issue.exploitMaturityLevels = maturityLevels.items;
  return {
    semverVulnerable,
    upgradePath,
    remediation: steps,
    severities,
    exploitSources,
    exploitMaturityLevels: maturityLevels,
  };
}

function readEpss(value: unknown, dropped: string[]): EpssInfo | undefined {
  const o = asObject(value);
  if (o === undefined) return undefined;
  const epss: EpssInfo = {};
  const probability = asNumberIn(o['probability'], ...UNIT_RANGE);
  if (probability === OUT_OF_RANGE) dropped.push('epss_probability');
  else if (probability !== undefined) epss.probability = probability;
  const percentile = asNumberIn(o['percentile'], ...UNIT_RANGE);
  if (percentile === OUT_OF_RANGE) dropped.push('epss_percentile');
  else if (percentile !== undefined) epss.percentile = percentile;
  const model = asString(o['modelVersion']);
  if (model !== undefined) epss.modelVersion = model;
  return Object.keys(epss).length === 0 ? undefined : epss;
}

function readSeverities(value: unknown, dropped: string[]): Kept<SeveritySource> {
  const items: SeveritySource[] = [];
  if (!Array.isArray(value)) return { items, omitted: 0 };
  let omitted = 0;
  let outOfRange = false;
  for (const entry of value as unknown[]) {
    const o = asObject(entry);
    if (o === undefined) continue;
    if (items.length >= LIMITS.itemsPerList) {
      omitted += 1;
      continue;
    }
    const s: SeveritySource = {};
    const source = asString(o['assigner']) ?? asString(o['source']);
    if (source !== undefined) s.source = source;
    const level = asString(o['severity']) ?? asString(o['level']);
    if (level !== undefined) s.level = level;
    const score = asNumberIn(o['baseScore'] ?? o['score'], ...CVSS_RANGE);
    if (score === OUT_OF_RANGE) outOfRange = true;
    else if (score !== undefined) s.score = score;
    const vector = asString(o['vector']);
    if (vector !== undefined) s.vector = vector;
    const version = asString(o['cvssVersion']) ?? asString(o['version']);
    if (version !== undefined) s.version = version;
    // An entry that says nothing (all fields missing or malformed) is not a source.
    if (Object.keys(s).length > 0) items.push(s);
  }
  if (outOfRange) dropped.push('severities_score');
  return { items, omitted };
}

function readMaturityLevels(value: unknown): Kept<ExploitMaturityLevel> {
  const items: ExploitMaturityLevel[] = [];
  if (!Array.isArray(value)) return { items, omitted: 0 };
  let omitted = 0;
  for (const entry of value as unknown[]) {
    const o = asObject(entry);
    const level = asString(o?.['level']);
    if (o === undefined || level === undefined) continue;
    if (items.length >= LIMITS.itemsPerList) {
      omitted += 1;
      continue;
    }
    const format = asString(o['format']);
    items.push(format === undefined ? { level } : { format, level });
  }
  return { items, omitted };
}
