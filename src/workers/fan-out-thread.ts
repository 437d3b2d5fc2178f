// Worker-thread entry of the fan-out pool: fans one delivery out at a time and stores its target jobs in Redis.
import { parentPort, workerData } from 'node:worker_threads';
import { PayloadError } from '../../normalizers/index.js';
import { fanOutCounted, type FannedOut } from './fan-out.js';
import { CLOSE_MESSAGE, type FanOutClientError, type FanOutReply, type FanOutTask } from './fan-out-pool.js';
import { createTargetJobStore, type FanOutStore } from './target-job-store.js';
import { useClusterConnections } from '../redis/cluster-connections.js';

if (parentPort === null) throw new Error('fan-out-thread runs only as a worker thread');
const port = parentPort;
// Worker options of a Redis Cluster are data; this thread's BullMQ builds the Cluster client from them.
useClusterConnections();
// A failed add rejects the task; the event itself goes to the main thread, which has the log and the counters.
const targetJobs = createTargetJobStore(workerData as FanOutStore, (error) =>
  port.postMessage({ clientError: error.message } satisfies FanOutClientError),
);

async function handle(task: FanOutTask): Promise<FanOutReply> {
  let fanned: FannedOut;
  try {
    fanned = fanOutCounted(task.data, task.deliveryId, task.targets);
  } catch (error) {
    // A PayloadError is the payload's fault and final; anything else (a bug, a limit) is retried.
    if (error instanceof PayloadError) return { id: task.id, ok: false, payloadError: error.message };
    throw error;
  }
  const counts = await targetJobs.add(task.deliveryId, fanned.jobs);
  return {
    id: task.id,
    ok: true,
    counts,
    filtered: fanned.filtered,
    ...(fanned.delta ? { delta: fanned.delta } : {}),
  };
}

let current: Promise<unknown> = Promise.resolve();

port.on('message', (message: FanOutTask | typeof CLOSE_MESSAGE) => {
  if (message === CLOSE_MESSAGE) {
    // After the task in hand: its target jobs are stored or it has failed, then the connection closes.
    void current.then(() => targetJobs.close(1000)).finally(() => port.close());
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
