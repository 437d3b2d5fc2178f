// Each dead letter carries its reason as data (code, message, attempts, first and last failure); replay drops it.
import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { retrySchema, workersSchema } from '../../src/config/schema.js';
import { openDeadLetters } from '../../src/queue/dead-letters.js';
import { FAILURE_MARKS } from '../../src/queue/failures.js';
import { INGEST_JOB, TARGET_JOB, type IngestJobData, type TargetJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { targetJobOptions } from '../../src/queue/retry-policy.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { targetSchema } from '../../src/targets/target-schema.js';
import type { Target } from '../../src/targets/types.js';
import { attachClientErrors } from '../../src/telemetry/client-errors.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createIngestWorker } from '../../src/workers/ingest-worker.js';
import { createTargetWorker } from '../../src/workers/target-worker.js';
import { capturedLog } from '../helpers/captured-log.js';
import { waitFor } from '../helpers/forwarder.js';
import { ingestJobData, targetJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';

const fx = useTestRedis();
const { cleanups } = fx;
const retry = retrySchema.parse({ attempts: 2, baseDelayMs: 20, maxDelayMs: 40 });
const workers = workersSchema.parse({});

/** The first dead letter of the queue, once its reason is stored. */
async function deadLetterOf<T extends TargetJobData | IngestJobData>(queue: Queue<T>): Promise<Job<T>> {
  return waitFor(
    async () => {
      const [failed] = (await queue.getFailed()) as Array<Job<T> | undefined>;
      return failed?.data.deadLetter ? failed : undefined;
    },
    20_000,
    'a dead letter and its reason',
  );
}

/** A target worker on a fresh prefix whose target fails with what `send` throws. */
function startTarget(send: Target['send']) {
  const prefix = `dl${randomUUID().slice(0, 8)}`;
  const connection = workerConnectionOptions(fx.redis.url);
  const log = capturedLog();
  const counters = new Counters();
  const delivery = createTargetWorker({
    connection,
    prefix,
    config: targetSchema.parse({ name: 'siem', type: 'file', format: 'json', path: '/dev/null' }),
    target: { name: 'siem', type: 'file', send, close: async () => undefined },
    retry,
    workers,
    counters,
    logger: log.logger,
  });
  const queue = new Queue<TargetJobData>(targetQueueName('siem'), { connection, prefix });
  cleanups.push(async () => {
    await delivery.close(1000);
    await queue.close();
  });
  return { prefix, connection, delivery, queue, counters, log };
}

describe('dead-letter reasons', () => {
  it('an unclassified error that runs out of attempts is dead-lettered as internal_error, with its history', async () => {
    const { prefix, connection, queue, log } = startTarget(async () => {
      throw new Error('bug in a target');
    });
    await queue.add(TARGET_JOB, targetJobData('a', 'siem'), { ...targetJobOptions(retry, 10), jobId: 'a' });
    const job = await deadLetterOf(queue);
    expect(job.failedReason).toBe('bug in a target');
    const reason = job.data.deadLetter;
    expect(reason).toMatchObject({
      code: 'internal_error',
      message: 'bug in a target',
      attempts: 2,
      limit: 'attempts',
    });
    expect(Date.parse(reason?.firstFailedAt ?? '')).toBeLessThan(Date.parse(reason?.lastFailedAt ?? ''));
    expect(log.lines().find((line) => line.level === 'error')).toMatchObject({ code: 'internal_error' });

    // dlq replay drops the reason and the failure marks: the next dead letter's history starts at the replay.
    const store = openDeadLetters({ connection, prefix, targets: ['siem'] });
    cleanups.push(() => store.close());
    const [letter] = await store.list('siem');
    expect(letter?.reason).toEqual(reason);
    const replayedAt = Date.now();
    expect((await store.replay(letter ? [letter] : [])).replayed).toEqual(['a']);
    const again = await deadLetterOf(queue);
    expect(Date.parse(again.data.deadLetter?.firstFailedAt ?? '')).toBeGreaterThanOrEqual(replayedAt);
  });

  it('replay removes the reason from the job data and the failure marks from its hash', async () => {
    const { prefix, connection, queue } = startTarget(async () => {
      throw new Error('still broken');
    });
    await queue.add(TARGET_JOB, targetJobData('b', 'siem'), { ...targetJobOptions(retry, 10), jobId: 'b' });
    await deadLetterOf(queue);
    const admin = new Redis(fx.redis.url);
    cleanups.push(async () => void admin.disconnect());
    const key = queue.toKey('b');
    expect((await admin.hmget(key, ...FAILURE_MARKS)).every((value) => value !== null)).toBe(true);
    // Paused first, so that the replayed job stays waiting while the test looks at it.
    await queue.pause();
    const store = openDeadLetters({ connection, prefix, targets: ['siem'] });
    cleanups.push(() => store.close());
    const { letters } = await store.select('siem', ['b']);
    await store.replay(letters);
    const waiting = await queue.getJob('b');
    expect(waiting?.data.deadLetter).toBeUndefined();
    expect(await admin.hmget(key, ...FAILURE_MARKS)).toEqual([null, null]);
  });

  it('a payload the ingest worker cannot understand is dead-lettered as payload_invalid, its body kept', async () => {
    const prefix = `dl${randomUUID().slice(0, 8)}`;
    const connection = workerConnectionOptions(fx.redis.url);
    const log = capturedLog();
    const ingest = createIngestWorker({
      connection,
      prefix,
      concurrency: 1,
      targets: [targetSchema.parse({ name: 'siem', type: 'file', path: '/dev/null' })],
      retry,
      keepCompleted: 10,
      workers,
      logger: log.logger,
    });
    const queue = new Queue<IngestJobData>(INGEST_QUEUE, { connection, prefix });
    cleanups.push(async () => {
      await ingest.close(1000);
      await queue.close();
    });
    const body = 'not json';
    await queue.add(INGEST_JOB, ingestJobData(body), { attempts: 10 });
    const job = await deadLetterOf(queue);
    expect(job.failedReason).toMatch(/^payload_invalid: /);
    expect(job.data.body).toBe(body);
    expect(job.data.deadLetter).toMatchObject({ code: 'payload_invalid', attempts: 1 });
    expect(job.data.deadLetter?.firstFailedAt).toBe(job.data.deadLetter?.lastFailedAt);
    expect(job.data.deadLetter?.limit).toBeUndefined();
    const errors = log.lines().filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'payload_invalid' });
  });
});

describe('client error events', () => {
  it("a target queue's error event reaches the log and client_errors, rate-limited", async () => {
    const { delivery, counters, log } = startTarget(async () => undefined);
    const attached = attachClientErrors(log.logger, counters);
    try {
      for (let i = 0; i < 15; i += 1) delivery.queue.emit('error', new Error(`connection lost ${i}`));
    } finally {
      attached.detach();
    }
    expect(await counters.get('client_errors_total', { component: 'target_queue' })).toBe(15);
    const lines = log.lines().filter((line) => line.component === 'target_queue');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatchObject({ level: 'warn', error: 'connection lost 0' });
    // detach() writes the summary of the ones past the limit.
    const summary = log.lines().find((line) => line.suppressed !== undefined);
    expect(summary).toMatchObject({ suppressed: 5, byComponent: { target_queue: 5 } });
  });
});
