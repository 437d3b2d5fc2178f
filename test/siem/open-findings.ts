// Open findings from a SIEM's rows: the documented rules (latest action; distinct counts) and the old sum of deltas.
import { createHash } from 'node:crypto';
import { normalize, type NormalizedRecord } from '../../normalizers/index.js';
import { readFixture } from '../normalizers/golden-cases.js';
import type { Row } from './siem-rows.js';

/** What the replay reads of a row. */
export interface RowView {
  id: string;
  action: string;
  keys: readonly string[];
  time(row: Row): number;
}

function keyOf(row: Row, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => row[k] ?? null));
}

/** One row per record id: a duplicate is the same record delivered again. */
function distinct(rows: readonly Row[], id: string): Row[] {
  const seen = new Map<unknown, Row>();
  for (const row of rows) if (!seen.has(row[id])) seen.set(row[id], row);
  return [...seen.values()];
}

/**
 * SPL `dedup record_id | stats latest(action) BY …`, Kusto `arg_max`, Logger `sort - time | dedup …`, and the ES|QL
 * and AQL form "last introduced later than last resolved (or never resolved)": the latest action by the record's own
 * time, per finding.
 */
export function openByLatestAction(rows: readonly Row[], view: RowView): Set<string> {
  const lastIntroduced = new Map<string, number>();
  const lastResolved = new Map<string, number>();
  for (const row of distinct(rows, view.id)) {
    const target = row[view.action] === 'issue_introduced' ? lastIntroduced : lastResolved;
    const key = keyOf(row, view.keys);
    target.set(key, Math.max(target.get(key) ?? Number.NEGATIVE_INFINITY, view.time(row)));
  }
  const open = new Set<string>();
  for (const [key, introduced] of lastIntroduced) {
    const resolved = lastResolved.get(key);
    if (resolved === undefined || introduced > resolved) open.add(key);
  }
  return open;
}

/** LEQL `groupby(…, action) calculate(unique:record_id)`: open where distinct introduced records outnumber resolved. */
export function openByDistinctCounts(rows: readonly Row[], view: RowView): Set<string> {
  const counts = new Map<string, { introduced: Set<unknown>; resolved: Set<unknown> }>();
  for (const row of rows) {
    const key = keyOf(row, view.keys);
    const entry = counts.get(key) ?? { introduced: new Set(), resolved: new Set() };
    (row[view.action] === 'issue_introduced' ? entry.introduced : entry.resolved).add(row[view.id]);
    counts.set(key, entry);
  }
  return new Set([...counts].filter(([, c]) => c.introduced.size > c.resolved.size).map(([key]) => key));
}

/**
 * The search these docs used to give for Rapid7, `groupby(issue_id) calculate(sum:open_delta)`, read as documented:
 * "an issue is open when the sum is 1" (`exactlyOne`), or as the old ES|QL did, `WHERE open > 0`.
 */
export function openBySumOfDeltas(
  rows: readonly Row[],
  keys: readonly string[],
  exactlyOne: boolean,
): Set<string> {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const key = keyOf(row, keys);
    sums.set(key, (sums.get(key) ?? 0) + Number(row['open_delta']));
  }
  return new Set([...sums].filter(([, sum]) => (exactlyOne ? sum === 1 : sum > 0)).map(([key]) => key));
}

const FIXTURE = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json';

/** One real delivery of the fixture's project, at `time`, introducing and resolving the fixture issues named. */
function delivery(
  time: string,
  introduce: readonly string[],
  resolve: readonly string[],
): NormalizedRecord[] {
  const fixture = readFixture(FIXTURE).json as {
    project: Record<string, unknown>;
    newIssues: { id: string }[];
  };
  const pick = (ids: readonly string[]) => fixture.newIssues.filter((issue) => ids.includes(issue.id));
  // Every test of a project is a new body: Snyk sets lastTestedDate, so the record ids are new too.
  const body = {
    ...fixture,
    project: { ...fixture.project, lastTestedDate: time },
    newIssues: pick(introduce),
    removedIssues: pick(resolve),
  };
  const text = JSON.stringify(body);
  return normalize(body, {
    event: 'project_snapshot/v0',
    transportId: `replay-${time}`,
    snykTimestamp: time,
    receivedAt: new Date(Date.parse(time) + 1_000).toISOString(),
    payloadBytes: Buffer.byteLength(text),
    bodySha256: createHash('sha256').update(text).digest('hex'),
  }).filter((record) => record.kind === 'finding');
}

const TYPEORM = 'SNYK-JS-TYPEORM-590152';
const BRACES = 'npm:braces:20180219';
const MS = 'npm:ms:20151024';

/**
 * A project's history from the real fixture, as a SIEM stores it with at-least-once delivery:
 *   day 1  typeorm, braces and ms introduced (the fixture as Snyk sent it)
 *   day 2  typeorm resolved
 *   day 3  braces resolved
 *   day 4  braces introduced again
 * plus duplicates, stored after everything else: day 1's typeorm and ms records, and day 3's resolution.
 * Open at the end: ms and braces. Resolved: typeorm.
 */
export function replayHistory(): { records: NormalizedRecord[]; open: string[]; resolved: string[] } {
  const day1 = delivery('2026-11-01T08:00:00.000Z', [TYPEORM, BRACES, MS], []);
  const day2 = delivery('2026-11-02T08:00:00.000Z', [], [TYPEORM]);
  const day3 = delivery('2026-11-03T08:00:00.000Z', [], [BRACES]);
  const day4 = delivery('2026-11-04T08:00:00.000Z', [BRACES], []);
  const duplicates = [...day1.filter((r) => r.kind === 'finding' && r.issue.id !== BRACES), ...day3];
  return {
    records: [...day1, ...day2, ...day3, ...day4, ...duplicates],
    open: [BRACES, MS],
    resolved: [TYPEORM],
  };
}
