// The fault suite's results table: one row per scenario, in a fixed order, as Markdown.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from '../../helpers/generated-doc.js';
import type { Accounting } from './accounting.js';

/** The table's rows, in this order; a scenario's key names its row. */
export const SCENARIOS = {
  'worker-kill': 'Worker process kill -9 mid-stream, then twice in a row on the same jobs',
  'forwarder-kill':
    'Whole forwarder (`--role all`, embedded Redis) kill -9, restarted on the same data directory',
  'file-append-kill': 'kill -9 during a large file append (torn tail)',
  'redis-kill': 'External Redis kill -9 and restart (AOF) while webhooks arrive',
  'redis-pause': 'External Redis frozen (SIGSTOP) for 10 s, then resumed',
  'redis-down-receiver': 'Redis down at the receiver (every answer 503 within 2 s), then back',
  'target-down': 'HTTP target refusing connections for 20 s, then back on the same port',
  'target-503-429': 'HTTP target answering 503, then 429 with Retry-After, then 200',
  'target-slow': 'HTTP target slower than its timeout, then fast again',
  'syslog-tls-restart': 'TLS syslog receiver (syslog-ng) restarted mid-stream',
  'sigterm-all': 'SIGTERM to receiver and worker under load, then started again',
  'replay-new-ids': 'Replayed bodies under new transport ids (must make no new records)',
} as const;

export type ScenarioKey = keyof typeof SCENARIOS;

export interface FaultRow {
  scenario: ScenarioKey;
  accounting: Accounting;
  /** Seconds from the end of the fault (or the last 2xx) until every accepted record had arrived; null: never. */
  drainSeconds: number | null;
  /** What else the scenario measured, in a few words. */
  notes: string;
  /** Every check of the scenario that failed, in words; empty when it passed. */
  problems: string[];
  /** When the scenario ran (ISO time). */
  ranAt: string;
}

/** Every row written by this run. */
export function readRunRows(dir: string): FaultRow[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as FaultRow);
}

/** The Markdown table of the rows, in scenario order. */
export function resultsTable(rows: readonly FaultRow[]): string {
  const order = Object.keys(SCENARIOS);
  const sorted = [...rows].sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  return markdownTable(
    [
      'Scenario',
      'Sent',
      'Accepted',
      'Records expected',
      'Delivered',
      'Lost',
      'Duplicates',
      '503 then accepted',
      'Time to drain (s)',
      'Result',
      'Notes',
    ],
    sorted.map((row) => {
      const a = row.accounting;
      return [
        SCENARIOS[row.scenario] ?? row.scenario,
        a.sent,
        a.accepted,
        a.expected,
        a.delivered,
        a.lost,
        a.duplicates,
        a.acceptedAfter503,
        row.drainSeconds === null ? 'never' : row.drainSeconds.toFixed(1),
        row.problems.length === 0 ? 'pass' : `**fail**: ${row.problems.join('; ')}`.replaceAll('|', '/'),
        row.notes.replaceAll('|', '/'),
      ];
    }),
  );
}

/** The checks every scenario makes: nothing accepted is lost, nothing is torn, no delivery makes a second set. */
export function standardProblems(a: Accounting): string[] {
  const problems: string[] = [];
  if (a.lost > 0) problems.push(`${a.lost} accepted records lost`);
  if (a.torn > 0) problems.push(`${a.torn} torn lines`);
  if (a.extraRecords > 0)
    problems.push(`${a.extraRecords} records beyond the deliveries' own (a second set)`);
  if (a.answers.other > 0) problems.push(`${a.answers.other} answers neither 2xx nor 503`);
  return problems;
}
