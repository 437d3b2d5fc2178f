// The end of every fault scenario: wait for the stream and the drain, count once nothing moves, record the row.
import { account, drainStart, waitForDrain, type Accounting, type Received } from './accounting.js';
import { recordResult } from './results.js';
import { standardProblems, type ScenarioKey } from './results-table.js';
import type { SenderReport, SteadySender } from './sender.js';

export interface Settled {
  accounting: Accounting;
  drainMs: number | undefined;
  /** Every failed check, in words (empty: the scenario passed). */
  problems: string[];
}

export interface SettleOptions {
  scenario: ScenarioKey;
  /** The stream (or streams, merged) whose deliveries are accounted for. */
  sender: Pick<SteadySender, 'done'>;
  read: () => Received;
  /** When the fault was over (the process restarted, the peer back). */
  faultEndedAt: number;
  drainTimeoutMs?: number;
  /** Stops the forwarder processes before the final count, so that nothing can arrive after it. */
  stop?: () => Promise<void>;
  /** Scenario-specific findings for the notes column. */
  notes?: (accounting: Accounting) => string[];
  /** Scenario-specific checks, in words, for the ones that failed. */
  problems?: (accounting: Accounting) => string[];
}

function answerSummary(a: Accounting, report: SenderReport): string {
  const parts = [`${a.answers['2xx']}×2xx`];
  if (a.answers['503'] > 0) parts.push(`${a.answers['503']}×503`);
  if (a.answers.error > 0) parts.push(`${a.answers.error}× no answer`);
  // An unexpected answer is named with its status and error code: it is a finding.
  const others = new Map<string, number>();
  for (const attempt of report.outcomes.flatMap((outcome) => outcome.attempts)) {
    if (attempt.answer !== 'other') continue;
    const key = `${attempt.status}${attempt.detail ? ` ${attempt.detail}` : ''}`;
    others.set(key, (others.get(key) ?? 0) + 1);
  }
  for (const [key, count] of others) parts.push(`${count}×${key}`);
  return `answers ${parts.join(', ')}`;
}

export async function settle(options: SettleOptions): Promise<Settled> {
  const report = await options.sender.done;
  const { drainMs } = await waitForDrain(report, options.read, {
    from: drainStart(report, options.faultEndedAt),
    timeoutMs: options.drainTimeoutMs ?? 90_000,
  });
  await options.stop?.();
  const accounting = account(report, options.read());
  const notes = [answerSummary(accounting, report)];
  if (accounting.acceptedAfterError > 0)
    notes.push(`${accounting.acceptedAfterError} accepted after a failed connection`);
  if (accounting.acceptedAfter503 + accounting.acceptedAfterError > 0)
    notes.push(`retries made ${accounting.retryDuplicates} duplicate records`);
  if (accounting.unacceptedDelivered > 0)
    notes.push(`${accounting.unacceptedDelivered} deliveries never answered 2xx were delivered anyway`);
  notes.push(...(options.notes?.(accounting) ?? []));
  const problems = [...standardProblems(accounting), ...(options.problems?.(accounting) ?? [])];
  if (drainMs === undefined && accounting.lost === 0) problems.push('did not drain in time');
  recordResult({ scenario: options.scenario, accounting, drainMs, notes: notes.join('; '), problems });
  return { accounting, drainMs, problems };
}
