// A target that stays down must not flood the log: retried failures are written N per minute, the rest are counted.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { retrySchema, workersSchema } from '../../src/config/schema.js';
import type { IngestJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { targetSchema } from '../../src/targets/target-schema.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createRetryLog } from '../../src/telemetry/rate-limited-log.js';
import { createIngestWorker } from '../../src/workers/ingest-worker.js';
import { deadLettersOf, startForwarder, waitFor } from '../helpers/forwarder.js';
import { freePort } from '../helpers/free-port.js';
import { ingestJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';

const fx = useTestRedis();
const { cleanups } = fx;
/** workers.retryLogPerMinute's documented default. */
const PER_MINUTE = 10;

interface LogLine {
  level: string;
  message: string;
  target?: string;
  suppressed?: number;
  reasons?: Record<string, number>;
}

function parse(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

describe('retried failures in the log', () => {
  it('a summary names at most 20 distinct reasons and counts the others together', () => {
    const stream = new PassThrough();
    let captured = '';
    stream.on('data', (chunk: Buffer) => (captured += chunk.toString('utf8')));
    const logger = createLogger({ level: 'debug', format: 'json', stream });
    let now = 1_700_000_000_000;
    const log = createRetryLog({
      logger,
      perMinute: 2,
      jobs: 'target jobs',
      fields: { target: 'siem' },
      now: () => now,
      schedule: () => () => undefined,
    });
    for (let i = 0; i < 52; i += 1) {
      // Reasons that differ in a port number, as connection errors to changing ports would.
      log.offer({
        logger,
        message: 'Delivery failed; will retry.',
        fields: {},
        reason: `refused :${i % 25}`,
      });
      now += 100;
    }
    log.flush();
    const [summary] = parse(captured).filter((line) => line.suppressed !== undefined);
    expect(summary?.suppressed).toBe(50);
    expect(Object.keys(summary?.reasons ?? {})).toHaveLength(21);
    expect(summary?.reasons?.['(other reasons)']).toBe(10);
    expect(sum(Object.values(summary?.reasons ?? {}))).toBe(50);
  });

  it('a target that is down logs at most N retries per minute, and the summaries count every other one', async () => {
    // A closed loopback port: every attempt fails at once with ECONNREFUSED.
    const url = `http://127.0.0.1:${await freePort()}/ingest`;
    const forwarder = await startForwarder({
      redisUrl: fx.redis.url,
      config: {
        retry: { baseDelayMs: 10, maxDelayMs: 20, attempts: 30 },
        targets: [{ name: 'siem', type: 'http', url, timeoutMs: 2000 }],
      },
    });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await forwarder.stop();
    });
    for (let i = 0; i < 2; i += 1)
      expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    const letters = await waitFor(
      async () => {
        const failed = await deadLettersOf(fx.redis.url, forwarder.prefix, 'siem');
        return failed.length === 2 ? failed : undefined;
      },
      60_000,
      'both deliveries to run out of attempts',
    );
    // Stopping writes the summary of the window that is still open.
    await forwarder.stop();
    stopped = true;

    const lines = parse(forwarder.logs()).filter((line) => line.target === 'siem');
    const retries = lines.filter((line) => line.message === 'Delivery failed; will retry.');
    const summaries = lines.filter((line) => line.message.startsWith('Retries of target jobs not logged'));
    const deadLettered = lines.filter((line) => line.level === 'error');
    const retried = sum(letters.map((letter) => letter.attemptsMade - 1));
    expect(retried).toBe(58);
    expect(retries.length).toBeLessThanOrEqual(PER_MINUTE);
    expect(retries.every((line) => line.level === 'warn')).toBe(true);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(retries.length + sum(summaries.map((line) => line.suppressed ?? 0))).toBe(retried);
    for (const summary of summaries) {
      expect(summary.level).toBe('warn');
      expect(sum(Object.values(summary.reasons ?? {}))).toBe(summary.suppressed);
      expect(Object.keys(summary.reasons ?? {}).join(' ')).toMatch(/ECONNREFUSED/);
    }
    // Dead letters are never held back: one error line each.
    expect(deadLettered).toHaveLength(2);
    expect(deadLettered.every((line) => line.message.includes('dead-letter queue'))).toBe(true);
  }, 120_000);

  it('an ingest job that keeps failing logs at most N retries per minute, and the summaries count the rest', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(join(tmpdir(), 'ssf-retry-log-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    // A Redis error while fanning out (the target queue's id counter is not a number) fails every attempt.
    const admin = new Redis(fx.redis.url);
    cleanups.push(async () => void admin.disconnect());
    await admin.set(`${prefix}:target-siem:id`, 'not-a-number');

    const stream = new PassThrough();
    let captured = '';
    stream.on('data', (chunk: Buffer) => (captured += chunk.toString('utf8')));
    const connection = workerConnectionOptions(fx.redis.url);
    const ingest = createIngestWorker({
      connection,
      prefix,
      concurrency: 1,
      targets: [targetSchema.parse({ name: 'siem', type: 'file', path: join(dir, 'out.ndjson') })],
      retry: retrySchema.parse({}),
      keepCompleted: 10,
      workers: workersSchema.parse({}),
      logger: createLogger({ level: 'debug', format: 'json', stream }),
    });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await ingest.close(1000);
    });
    const queue = new Queue<IngestJobData>(INGEST_QUEUE, { connection, prefix });
    cleanups.push(() => queue.close());
    for (let i = 0; i < 2; i += 1) {
      const body = freshSnapshot();
      await queue.add('snyk-delivery', ingestJobData(body), {
        attempts: 25,
        backoff: { type: 'fixed', delay: 1 },
      });
    }
    const failed = await waitFor(
      async () => {
        const jobs = await queue.getFailed();
        return jobs.length === 2 ? jobs : undefined;
      },
      60_000,
      'both ingest jobs to run out of attempts',
    );
    await ingest.close(1000);
    closed = true;

    const lines = parse(captured);
    const retries = lines.filter(
      (line) => line.level === 'warn' && line.message.startsWith('Ingest job failed'),
    );
    const summaries = lines.filter((line) => line.message.startsWith('Retries of ingest jobs not logged'));
    const retried = sum(failed.map((job) => job.attemptsMade - 1));
    expect(retried).toBe(48);
    // Unclassified (a Redis error in a fan-out thread): internal_error, once the attempts ran out.
    for (const job of failed)
      expect(job.data.deadLetter).toMatchObject({ code: 'internal_error', attempts: 25, limit: 'attempts' });
    expect(retries.length).toBeLessThanOrEqual(PER_MINUTE);
    expect(retries.length + sum(summaries.map((line) => line.suppressed ?? 0))).toBe(retried);
    expect(Object.keys(summaries[0]?.reasons ?? {}).join(' ')).toMatch(/not an integer/);
    const deadLettered = lines.filter((line) => line.level === 'error');
    expect(deadLettered).toHaveLength(2);
    expect(deadLettered.every((line) => line.message.includes('dead-letter queue'))).toBe(true);
  }, 120_000);
});
