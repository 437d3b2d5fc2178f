// Jobs that wait with none active and nothing holding them back: what the worker watch treats as a worker that stopped.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { waitingJobsNobodyTakes } from '../../src/lifecycle/idle-queue.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { waitFor } from '../helpers/forwarder.js';
import { useTestRedis } from '../helpers/redis-server.js';

const fx = useTestRedis();

/** A queue and a worker on it that is not fetching (autorun off), as a worker whose fetch loop stopped. */
function queueAndIdleWorker(processor: () => Promise<void> = async () => undefined) {
  const name = `idle-${randomUUID().slice(0, 8)}`;
  const connection = workerConnectionOptions(fx.redis.url);
  const queue = new Queue(name, { connection, prefix: 'iq' });
  const worker = new Worker(name, processor, { connection, prefix: 'iq', autorun: false });
  fx.cleanups.push(async () => {
    await worker.close(true);
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return { queue, worker };
}

describe('waiting jobs nobody takes', () => {
  it('is false for an empty queue, true once a job waits and no worker fetches it', async () => {
    const { queue, worker } = queueAndIdleWorker();
    expect(await waitingJobsNobodyTakes(worker)).toBe(false);
    await queue.add('job', {});
    expect(await waitingJobsNobodyTakes(worker)).toBe(true);
  });

  it('is false while a job is active, when the queue is paused, and while it is rate-limited', async () => {
    let release: () => void = () => undefined;
    const { queue, worker } = queueAndIdleWorker(() => new Promise<void>((resolve) => (release = resolve)));
    await queue.add('first', {});
    await queue.add('second', {});
    void worker.run();
    await waitFor(async () => (await queue.getActiveCount()) === 1, 10_000, 'one active job');
    expect(await waitingJobsNobodyTakes(worker)).toBe(false);
    await worker.pause(true);
    release();
    await waitFor(async () => (await queue.getActiveCount()) === 0, 10_000, 'no active job');
    expect(await waitingJobsNobodyTakes(worker)).toBe(true);
    await queue.pause();
    expect(await waitingJobsNobodyTakes(worker)).toBe(false);
    await queue.resume();
    await queue.rateLimit(60_000);
    expect(await waitingJobsNobodyTakes(worker)).toBe(false);
  });
});
