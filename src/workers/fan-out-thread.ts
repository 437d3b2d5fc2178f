// Worker-thread entry of the fan-out pool: fans one delivery out at a time and stores its target jobs in Redis.
import { parentPort, workerData } from 'node:worker_threads';
import { Queue } from 'bullmq';
import { PayloadError } from '../../normalizers/index.js';
import { TARGET_JOB, type TargetJobData } from '../queue/jobs.js';
import { targetQueueName } from '../queue/names.js';
import { closeWithin } from '../lifecycle/close-within.js';
import { fanOutCounted, type FannedOut } from './fan-out.js';
import {
  CLOSE_MESSAGE,
  targetJobId,
  type FanOutClientError,
  type FanOutReply,
  type FanOutStore,
  type FanOutTask,
} from './fan-out-pool.js';

if (parentPort === null) throw new Error('fan-out-thread runs only as a worker thread');
const port = parentPort;
const store = workerData as FanOutStore;
const queues = new Map<string, Queue<TargetJobData>>();

function queueFor(target: string): Queue<TargetJobData> {
  let queue = queues.get(target);
  if (queue === undefined) {
    queue = new Queue<TargetJobData>(targetQueueName(target), {
      connection: store.connection,
      prefix: store.prefix,
    });
    // A failed add rejects the task; the event itself goes to the main thread, which has the log and the counters.
    queue.on('error', (error: Error) =>
      port.postMessage({ clientError: error.message } satisfies FanOutClientError),
    );
    queues.set(target, queue);
  }
  return queue;
}

async function handle(task: FanOutTask): Promise<FanOutReply> {
  let fanned: FannedOut;
  try {
    fanned = fanOutCounted(task.data, task.deliveryId, task.targets);
  } catch (error) {
    // A PayloadError is the payload's fault and final; anything else (a bug, a limit) is retried.
    if (error instanceof PayloadError) return { id: task.id, ok: false, payloadError: error.message };
    throw error;
  }
  const counts: Record<string, number> = {};
  for (const job of fanned.jobs) {
    await queueFor(job.target).add(TARGET_JOB, job, {
      ...store.jobOptions,
      jobId: targetJobId(task.deliveryId, job.target),
    });
    counts[job.target] = job.records.length;
  }
  return { id: task.id, ok: true, counts, filtered: fanned.filtered };
}

let current: Promise<unknown> = Promise.resolve();

port.on('message', (message: FanOutTask | typeof CLOSE_MESSAGE) => {
  if (message === CLOSE_MESSAGE) {
    // After the task in hand: its target jobs are stored or it has failed, then the connection closes.
    void current
      .then(() => Promise.all([...queues.values()].map((queue) => closeWithin(queue, 1000))))
      .finally(() => port.close());
    return;
  }
  current = handle(message).then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies FanOutReply),
  );
});
