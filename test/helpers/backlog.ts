// Builds queue states by hand for tests that read them: a job in the dead-letter queue, and the counts of an empty queue.
import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { QUEUE_STATES, type QueueState } from '../../src/queue/queue-stats.js';
import { waitFor } from './forwarder.js';
import { targetJobData } from './job-data.js';

/** What queue stats report for a queue that holds nothing. */
export const NO_JOBS = Object.fromEntries(QUEUE_STATES.map((state) => [state, 0])) as Record<
  QueueState,
  number
>;

/** Puts one target job into the failed set of `target-<target>`, as a permanent refusal would. */
export async function deadLetterOne(
  target: string,
  options: { connection: ConnectionOptions; prefix: string },
): Promise<void> {
  const name = `target-${target}`;
  const queue = new Queue(name, options);
  const failed = async () => (await queue.getFailedCount()) > 0;
  await queue.add('records', targetJobData(`dead-${target}`, target), { attempts: 1 });
  const worker = new Worker(
    name,
    async () => {
      throw new UnrecoverableError('refused for the test');
    },
    options,
  );
  try {
    await waitFor(failed, 10_000, `a dead letter in ${name}`);
  } finally {
    await worker.close();
    await queue.close();
  }
}
