// readQueueStats against a real Redis: the counts BullMQ reports, the oldest due job's age, the Snyk contact times.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { noteSnykContact, readQueueStats } from '../../src/queue/queue-stats.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { deadLetterOne, NO_JOBS } from '../helpers/backlog.js';
import { targetJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';

const fx = useTestRedis();
const TEN_MINUTES = 600_000;

/** A client for readQueueStats and one BullMQ queue per target, closed after the test. */
function open(prefix: string, targets: readonly string[]): { client: Redis; queues: Queue[] } {
  const connection = workerConnectionOptions(fx.redis.url);
  const queues = targets.map((target) => new Queue(`target-${target}`, { connection, prefix }));
  const client = new Redis(fx.redis.url);
  fx.cleanups.push(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    client.disconnect();
  });
  return { client, queues };
}

describe('readQueueStats', () => {
  it('reads every state of every queue as BullMQ counts it, in one pipeline', async () => {
    const prefix = 'qs1';
    const { client, queues } = open(prefix, ['busy']);
    const busy = queues[0] as Queue;
    for (let i = 0; i < 3; i += 1) await busy.add('records', targetJobData(`w${i}`, 'busy'));
    await busy.add('records', targetJobData('d0', 'busy'), { delay: TEN_MINUTES });
    await busy.add('records', targetJobData('d1', 'busy'), { delay: TEN_MINUTES });
    await busy.add('records', targetJobData('p0', 'busy'), { priority: 1 });
    await deadLetterOne('broken', { connection: workerConnectionOptions(fx.redis.url), prefix });

    const stats = await readQueueStats(client, prefix, ['busy', 'broken']);
    expect(stats.queues.map((queue) => queue.queue)).toEqual(['ingest', 'busy', 'broken']);
    const [ingest, ofBusy, ofBroken] = stats.queues;
    expect(ingest?.counts).toEqual(NO_JOBS);
    expect(ofBusy?.counts).toEqual(
      await busy.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'),
    );
    expect(ofBusy?.counts).toMatchObject({ waiting: 3, delayed: 2, prioritized: 1 });
    expect(ofBroken?.counts.failed).toBe(1);
    expect(ofBroken?.deadLetters).toBe(1);
    // Jobs queued just now; the failed one is no longer due.
    expect(ofBusy?.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(ofBusy?.oldestWaitingAgeSeconds).toBeLessThan(60);
    expect(ofBroken?.oldestWaitingAgeSeconds).toBe(0);
    expect(stats.lastPingAt).toBe(0);
    expect(stats.lastDeliveryAt).toBe(0);
  });

  it('gives the age of the oldest job due next, waiting or backing off, and the Snyk contact times', async () => {
    const prefix = 'qs2';
    const { client, queues } = open(prefix, ['waiting', 'retrying']);
    const [waiting, retrying] = queues as [Queue, Queue];
    const now = Date.now();
    // Queued ten minutes ago; then a newer one. Workers take the oldest first, from the right end of the wait list.
    await waiting.add('records', targetJobData('old', 'waiting'), { timestamp: now - TEN_MINUTES });
    await waiting.add('records', targetJobData('new', 'waiting'));
    // A target that is down keeps its jobs in `delayed` between retries: they still wait to be sent.
    await retrying.add('records', targetJobData('late', 'retrying'), {
      timestamp: now - 2 * TEN_MINUTES,
      delay: TEN_MINUTES,
    });
    await noteSnykContact(client, prefix, 'ping');

    const stats = await readQueueStats(client, prefix, ['waiting', 'retrying']);
    const age = (name: string) =>
      stats.queues.find((queue) => queue.queue === name)?.oldestWaitingAgeSeconds ?? -1;
    expect(age('waiting')).toBeGreaterThanOrEqual(600);
    expect(age('waiting')).toBeLessThan(700);
    expect(age('retrying')).toBeGreaterThanOrEqual(1200);
    expect(age('retrying')).toBeLessThan(1300);
    expect(age('ingest')).toBe(0);
    expect(Math.abs(stats.lastPingAt - Date.now() / 1000)).toBeLessThan(60);
    expect(stats.lastDeliveryAt).toBe(0);
  });
});
