// The dead-letter queues: each target queue's failed set (and the ingest queue's), listed, shown, replayed, purged.
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { DeliveryJobData, IngestJobData } from './jobs.js';
import { INGEST_QUEUE, targetQueueName } from './names.js';

export interface DeadLetter {
  id: string;
  /** The target's name, or "ingest" for deliveries whose payload could not be normalised. */
  queue: string;
  transportId: string;
  reason: string;
  attempts: number;
  queuedAt: string;
  failedAt: string | undefined;
  records: number;
}

type AnyJob = Job<DeliveryJobData | IngestJobData>;

const PAGE = 500;

function describe(queue: string, job: AnyJob): DeadLetter {
  const data = job.data;
  return {
    id: job.id ?? '',
    queue,
    transportId: data.transportId,
    reason: job.failedReason ?? '',
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
  queues.set('ingest', new Queue(INGEST_QUEUE, { connection: options.connection, prefix: options.prefix }));
  for (const target of options.targets) {
    queues.set(
      target,
      new Queue(targetQueueName(target), { connection: options.connection, prefix: options.prefix }),
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

  async function find(id: string): Promise<{ name: string; queue: Queue; job: AnyJob } | undefined> {
    for (const [name, queue] of queues) {
      const job = (await queue.getJob(id)) as AnyJob | undefined;
      if (job && (await job.isFailed())) return { name, queue, job };
    }
    return undefined;
  }

  async function replayJob(job: AnyJob): Promise<void> {
    // A replay restarts the retry-age clock and the attempt count; the records and their ids stay as they were.
    if ('records' in job.data) await job.updateData({ ...job.data, replayedAt: Date.now(), rejected: {} });
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

  return {
    async list(target?: string): Promise<DeadLetter[]> {
      const out: DeadLetter[] = [];
      for (const [name, queue] of pick(target))
        for (const job of await failedJobs(queue)) out.push(describe(name, job));
      return out;
    },
    async show(id: string): Promise<{ letter: DeadLetter; data: unknown } | undefined> {
      const found = await find(id);
      return found ? { letter: describe(found.name, found.job), data: found.job.data } : undefined;
    },
    /** Replays the given ids, or every dead letter of the target (or of all queues) when ids is 'all'. */
    async replay(
      target: string | undefined,
      ids: readonly string[] | 'all',
    ): Promise<{ replayed: string[]; missing: string[] }> {
      const replayed: string[] = [];
      const missing: string[] = [];
      if (ids === 'all') {
        for (const [, queue] of pick(target)) {
          for (const job of await failedJobs(queue)) {
            await replayJob(job);
            replayed.push(job.id ?? '');
          }
        }
        return { replayed, missing };
      }
      for (const id of ids) {
        const found = await find(id);
        if (!found || (target !== undefined && found.name !== target)) {
          missing.push(id);
          continue;
        }
        await replayJob(found.job);
        replayed.push(id);
      }
      return { replayed, missing };
    },
    async purge(target?: string): Promise<number> {
      let removed = 0;
      for (const [, queue] of pick(target)) {
        for (;;) {
          const ids = await queue.clean(0, 1000, 'failed');
          removed += ids.length;
          if (ids.length < 1000) break;
        }
      }
      return removed;
    },
    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
