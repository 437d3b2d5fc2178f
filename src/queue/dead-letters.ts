// The dead-letter queues: each target queue's failed set (and the ingest queue's), listed, shown, replayed, purged.
import { Queue, UnrecoverableError, type ConnectionOptions, type Job } from 'bullmq';
import { isErrorCode } from '../errors.js';
import { FAILURE_MARKS } from './failures.js';
import type { DeadLetterReason, TargetJobData, IngestJobData } from './jobs.js';
import { INGEST_QUEUE, targetQueueName, queuePrefix } from './names.js';
import { decideFailure } from './retry-policy.js';

export interface DeadLetter {
  id: string;
  /** The target's name, or "ingest" for deliveries whose payload could not be normalised. */
  queue: string;
  transportId: string;
  /** Why, with its registry code (src/errors.ts). */
  reason: DeadLetterReason;
  attempts: number;
  queuedAt: string;
  failedAt: string | undefined;
  records: number;
}

type AnyJob = Job<TargetJobData | IngestJobData>;

const PAGE = 500;

/**
 * The structured reason of a dead letter: the one stored in its data when it was dead-lettered, or, for one
 * dead-lettered before reasons were stored (or whose reason could not be written), the `code: message` line of its
 * failedReason read back. Only the times of the last failure are known then.
 */
export function reasonOf(
  job: Pick<AnyJob, 'data' | 'failedReason' | 'attemptsMade' | 'finishedOn' | 'timestamp'>,
): DeadLetterReason {
  const stored = job.data.deadLetter;
  if (stored !== undefined && isErrorCode(stored.code)) return stored;
  const line = job.failedReason ?? '';
  const [, prefix, message = ''] = /^([a-z_]+): ([\s\S]*)$/.exec(line) ?? [];
  const at = new Date(job.finishedOn ?? job.timestamp).toISOString();
  const common = { attempts: job.attemptsMade, firstFailedAt: at, lastFailedAt: at };
  if (isErrorCode(prefix)) return { code: prefix, message, ...common };
  // A line without a code was BullMQ's own (a stall too many) or an unclassified error's: judged as BullMQ failed it.
  return { code: decideFailure(new UnrecoverableError(line)).code, message: line, ...common };
}

function describe(queue: string, job: AnyJob): DeadLetter {
  const data = job.data;
  return {
    id: job.id ?? '',
    queue,
    transportId: data.transportId,
    reason: reasonOf(job),
    attempts: job.attemptsMade,
    queuedAt: new Date(job.timestamp).toISOString(),
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    records: 'records' in data ? data.records.length : 0,
  };
}

export function openDeadLetters(options: {
  connection: ConnectionOptions;
  prefix: string;
  targets: readonly string[];
}) {
  const queues = new Map<string, Queue>();
  queues.set(
    'ingest',
    new Queue(INGEST_QUEUE, {
      connection: options.connection,
      prefix: queuePrefix(options.prefix, INGEST_QUEUE),
    }),
  );
  for (const target of options.targets) {
    queues.set(
      target,
      new Queue(targetQueueName(target), {
        connection: options.connection,
        prefix: queuePrefix(options.prefix, targetQueueName(target)),
      }),
    );
  }

  function pick(target: string | undefined): Array<[string, Queue]> {
    if (target === undefined) return [...queues.entries()];
    const queue = queues.get(target);
    if (!queue) throw new Error(`no target named "${target}" (known: ${[...queues.keys()].join(', ')})`);
    return [[target, queue]];
  }

  async function failedJobs(queue: Queue): Promise<AnyJob[]> {
    const jobs: AnyJob[] = [];
    for (let start = 0; ; start += PAGE) {
      const page = (await queue.getFailed(start, start + PAGE - 1)) as AnyJob[];
      jobs.push(...page.filter(Boolean));
      if (page.length < PAGE) return jobs;
    }
  }

  /** The failed job with this id in one of these queues, or undefined (absent, or in another state). */
  async function find(
    id: string,
    among: Array<[string, Queue]>,
  ): Promise<{ name: string; queue: Queue; job: AnyJob } | undefined> {
    for (const [name, queue] of among) {
      const job = (await queue.getJob(id)) as AnyJob | undefined;
      if (job && (await job.isFailed())) return { name, queue, job };
    }
    return undefined;
  }

  async function replayJob(queue: Queue, job: AnyJob): Promise<void> {
    // A replay restarts the retry-age clock and the attempt count, and drops the old reason; the records and their
    // ids stay as they were. An ingest job is rewritten only to drop its reason (its raw body is in the data).
    const { deadLetter, ...data } = job.data;
    if ('records' in data) await job.updateData({ ...data, replayedAt: Date.now(), rejected: {} });
    else if (deadLetter !== undefined) await job.updateData(data);
    // And the stall count, which BullMQ keeps in the job hash ("stc", moveStalledJobsToWait.lua) and never resets:
    // a job dead-lettered for stalling would otherwise go straight back at its next stall. The failure marks
    // (queue/failures.ts) restart too, so that firstFailedAt counts from the replay.
    await (await queue.backend.client).hdel(queue.toKey(job.id ?? ''), 'stc', ...FAILURE_MARKS);
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  /**
   * Applies `act` to each selected letter that is still a dead letter when its turn comes: one replayed or purged
   * meanwhile (by another operator, say) is reported as missing rather than touched twice.
   */
  async function each(
    letters: readonly DeadLetter[],
    act: (queue: Queue, job: AnyJob) => Promise<void>,
  ): Promise<{ done: string[]; missing: string[] }> {
    const done: string[] = [];
    const missing: string[] = [];
    for (const letter of letters) {
      const queue = queues.get(letter.queue);
      const found = queue ? await find(letter.id, [[letter.queue, queue]]) : undefined;
      if (!found) {
        missing.push(letter.id);
        continue;
      }
      await act(found.queue, found.job);
      done.push(letter.id);
    }
    return { done, missing };
  }

  return {
    async list(target?: string): Promise<DeadLetter[]> {
      const out: DeadLetter[] = [];
      for (const [name, queue] of pick(target))
        for (const job of await failedJobs(queue)) out.push(describe(name, job));
      return out;
    },
    /** One dead letter, and its job data without the reason (the letter has it). */
    async show(id: string): Promise<{ letter: DeadLetter; data: unknown } | undefined> {
      const found = await find(id, pick(undefined));
      if (!found) return undefined;
      const { deadLetter: _reason, ...data } = found.job.data;
      return { letter: describe(found.name, found.job), data };
    },
    /**
     * The dead letters a replay or purge would touch: the given ids (only those in a failed set, and in the target's
     * queue when a target is given), or every dead letter of the target (or of all queues) when ids is 'all'.
     */
    async select(
      target: string | undefined,
      ids: readonly string[] | 'all',
    ): Promise<{ letters: DeadLetter[]; missing: string[] }> {
      const among = pick(target);
      if (ids === 'all') {
        const letters: DeadLetter[] = [];
        for (const [name, queue] of among)
          for (const job of await failedJobs(queue)) letters.push(describe(name, job));
        return { letters, missing: [] };
      }
      const letters: DeadLetter[] = [];
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const found = await find(id, among);
        if (found) letters.push(describe(found.name, found.job));
        else missing.push(id);
      }
      return { letters, missing };
    },
    /** Moves the selected dead letters back to their queue's wait list; records and record ids are unchanged. */
    async replay(letters: readonly DeadLetter[]): Promise<{ replayed: string[]; missing: string[] }> {
      const { done, missing } = await each(letters, replayJob);
      return { replayed: done, missing };
    },
    /** Deletes the selected dead letters and nothing else: each is checked to be still failed just before. */
    async purge(letters: readonly DeadLetter[]): Promise<{ purged: string[]; missing: string[] }> {
      const { done, missing } = await each(letters, async (_queue, job) => {
        await job.remove();
      });
      return { purged: done, missing };
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
