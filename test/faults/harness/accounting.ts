// Counts what reached each output by record_id and settles it against what the receiver accepted: lost, duplicated, torn.
import { existsSync, readFileSync } from 'node:fs';
import type { TestSyslogNg, SourceName } from '../../helpers/syslog-ng.js';
import type { FaultCollector } from './collector.js';
import type { AnswerClass, SenderReport } from './sender.js';

export interface Received {
  /** Lines (or messages) read, whole or not. */
  lines: number;
  /** Lines that are not one whole record: a torn write, a mangled frame. Each one is a failure. */
  torn: string[];
  records: Array<{ recordId: string; projectId: string }>;
}

function recordOf(value: unknown): { recordId: string; projectId: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { record_id: recordId, project_id: projectId } = value as Record<string, unknown>;
  if (typeof recordId !== 'string' || typeof projectId !== 'string') return undefined;
  return { recordId, projectId };
}

/** The file target's NDJSON. A last line without its newline is torn too: the next append would extend it. */
export function readFileTarget(path: string): Received {
  const received: Received = { lines: 0, torn: [], records: [] };
  if (!existsSync(path)) return received;
  const parts = readFileSync(path, 'utf8').split('\n');
  const tail = parts.pop() ?? '';
  if (tail !== '') parts.push(tail);
  parts.forEach((line, i) => {
    received.lines += 1;
    let record: ReturnType<typeof recordOf>;
    try {
      record = recordOf(JSON.parse(line));
    } catch {
      record = undefined;
    }
    const unterminated = i === parts.length - 1 && tail !== '';
    if (!record || unterminated) received.torn.push(line.slice(0, 120));
    if (record) received.records.push(record);
  });
  return received;
}

/** What the HTTP collector stored (requests it answered 2xx). */
export function readCollector(collector: FaultCollector): Received {
  const received: Received = { lines: 0, torn: [], records: [] };
  for (const line of collector.stored) {
    received.lines += 1;
    const record = recordOf(line.record);
    if (record) received.records.push(record);
    else received.torn.push(line.text.slice(0, 120));
  }
  return received;
}

const SDATA_ID = /^\[[^ \]]+ id="((?:[^"\\]|\\.)*)"\]$/;

/**
 * syslog-ng's output for one source: every line must be JSON, every message's SDATA must carry the record id and its
 * MSG must be the whole JSON record with that id.
 */
export function readSyslog(syslog: TestSyslogNg, source: SourceName): Received {
  const received: Received = { lines: 0, torn: [], records: [] };
  const file = `${syslog.dir}/${source}.log`;
  if (!existsSync(file)) return received;
  const lines = readFileSync(file, 'utf8').split('\n');
  const tail = lines.pop() ?? '';
  if (tail !== '') lines.push(tail);
  for (const line of lines) {
    received.lines += 1;
    try {
      const message = JSON.parse(line) as { sdata?: string; msg?: string };
      const id = SDATA_ID.exec(message.sdata ?? '')?.[1];
      const record = recordOf(JSON.parse(message.msg ?? ''));
      if (!record || record.recordId !== id) throw new Error('the message is not one whole record');
      received.records.push(record);
    } catch {
      received.torn.push(line.slice(0, 120));
    }
  }
  return received;
}

export interface Accounting {
  /** Deliveries posted. */
  sent: number;
  /** Deliveries answered 2xx (after retries). */
  accepted: number;
  /** Every record of every accepted delivery. */
  expected: number;
  /** Of those, how many arrived at least once. */
  delivered: number;
  lost: number;
  /** Extra copies: arrivals beyond the first of a record id. */
  duplicates: number;
  /** Accepted deliveries whose first answer was a 503. */
  acceptedAfter503: number;
  /** Accepted deliveries whose first attempt failed to connect or got no answer. */
  acceptedAfterError: number;
  /** Extra copies among the records of deliveries accepted on a retry. */
  retryDuplicates: number;
  /** Record ids beyond the ones a delivery makes (a second set, such as a replay that was not recognised). */
  extraRecords: number;
  /** Deliveries never answered 2xx whose records arrived anyway (stored, but the answer was lost). */
  unacceptedDelivered: number;
  torn: number;
  /** Every answer of every attempt, by class. */
  answers: Record<AnswerClass, number>;
}

export function account(report: Pick<SenderReport, 'outcomes'>, received: Received): Accounting {
  const byProject = new Map<string, Map<string, number>>();
  for (const { recordId, projectId } of received.records) {
    const ids = byProject.get(projectId) ?? new Map<string, number>();
    byProject.set(projectId, ids);
    ids.set(recordId, (ids.get(recordId) ?? 0) + 1);
  }
  const answers: Record<AnswerClass, number> = { '2xx': 0, '503': 0, other: 0, error: 0 };
  const result: Accounting = {
    sent: report.outcomes.length,
    accepted: 0,
    expected: 0,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    acceptedAfter503: 0,
    acceptedAfterError: 0,
    retryDuplicates: 0,
    extraRecords: 0,
    unacceptedDelivered: 0,
    torn: received.torn.length,
    answers,
  };
  const known = new Set<string>();
  for (const outcome of report.outcomes) {
    for (const attempt of outcome.attempts) answers[attempt.answer] += 1;
    const { projectId, records } = outcome.snapshot;
    known.add(projectId);
    const ids = byProject.get(projectId) ?? new Map<string, number>();
    const copies = [...ids.values()].reduce((sum, n) => sum + n - 1, 0);
    result.duplicates += copies;
    result.extraRecords += Math.max(0, ids.size - records);
    if (!outcome.accepted) {
      if (ids.size > 0) result.unacceptedDelivered += 1;
      continue;
    }
    result.accepted += 1;
    result.expected += records;
    result.delivered += Math.min(ids.size, records);
    result.lost += Math.max(0, records - ids.size);
    const first = outcome.attempts[0]?.answer;
    if (outcome.attempts.length > 1) {
      if (first === '503') result.acceptedAfter503 += 1;
      if (first === 'error') result.acceptedAfterError += 1;
      result.retryDuplicates += copies;
    }
  }
  // Records of no delivery of this stream cannot be accounted for: count them as extra.
  for (const [projectId, ids] of byProject) if (!known.has(projectId)) result.extraRecords += ids.size;
  return result;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until every accepted record arrived or `timeoutMs` passed. The drain time counts from `from` (the later of
 * the fault's end and the last accepted answer) to the first poll that saw nothing missing; undefined if it never did.
 */
export async function waitForDrain(
  report: SenderReport,
  read: () => Received,
  options: { from: number; timeoutMs: number },
): Promise<{ drainMs: number | undefined; accounting: Accounting }> {
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    const accounting = account(report, read());
    if (accounting.lost === 0) return { drainMs: Math.max(0, Date.now() - options.from), accounting };
    if (Date.now() > until) return { drainMs: undefined, accounting };
    await sleep(200);
  }
}

/** When draining starts: the fault is over and the receiver gave its last 2xx. */
export function drainStart(report: SenderReport, faultEndedAt: number): number {
  const lastAccepted = Math.max(0, ...report.outcomes.map((o) => o.acceptedAt ?? 0));
  return Math.max(faultEndedAt, lastAccepted);
}
