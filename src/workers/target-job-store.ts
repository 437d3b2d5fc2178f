// Stores the target jobs of one fanned-out delivery, one per target queue, under ids derived from the delivery.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { TARGET_JOB, type TargetJobData } from '../queue/jobs.js';
import { targetQueueName, queuePrefix } from '../queue/names.js';
import { closeWithin } from '../lifecycle/close-within.js';

/** Where target jobs are stored: plain data, so that it can be copied into a fan-out thread. */
export interface FanOutStore {
  /** Redis options as workerConnectionOptions builds them (no client instance: it cannot cross threads). */
  connection: ConnectionOptions;
  prefix: string;
  /** Options of every target job (retry-policy.ts targetJobOptions); the job id is added per job. */
  jobOptions: JobsOptions;
}

/** A target job's id: deterministic, so that a retried ingest job adds nothing twice while the job is kept. */
export function targetJobId(deliveryId: string, target: string): string {
  return `${deliveryId}-${target}`;
}

export interface TargetJobStore {
  /** Adds each job to its target's queue; resolves to the records stored per target. */
  add(deliveryId: string, jobs: readonly TargetJobData[]): Promise<Record<string, number>>;
  close(ms: number): Promise<void>;
}

/** `onError` receives the queues' error events (a failed add also rejects `add`). */
export function createTargetJobStore(store: FanOutStore, onError: (error: Error) => void): TargetJobStore {
  const queues = new Map<string, Queue<TargetJobData>>();

  function queueFor(target: string): Queue<TargetJobData> {
    let queue = queues.get(target);
    if (queue === undefined) {
      queue = new Queue<TargetJobData>(targetQueueName(target), {
        connection: store.connection,
        prefix: queuePrefix(store.prefix, targetQueueName(target)),
      });
      queue.on('error', onError);
      queues.set(target, queue);
    }
    return queue;
  }

  return {
    async add(deliveryId, jobs) {
      const counts: Record<string, number> = {};
      for (const job of jobs) {
        await queueFor(job.target).add(TARGET_JOB, job, {
          ...store.jobOptions,
          jobId: targetJobId(deliveryId, job.target),
        });
        counts[job.target] = job.records.length;
      }
      return counts;
    },
    async close(ms) {
      await Promise.all([...queues.values()].map((queue) => closeWithin(queue, ms)));
    },
  };
}
