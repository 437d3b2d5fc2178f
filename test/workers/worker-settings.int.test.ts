// The workers.* lock and stalled-job settings reach both the ingest worker and every target worker, with defaults.
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retrySchema, workersSchema } from '../../src/config/schema.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { targetSchema } from '../../src/targets/target-schema.js';
import type { Target } from '../../src/targets/types.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createTargetWorker } from '../../src/workers/target-worker.js';
import { createIngestWorker } from '../../src/workers/ingest-worker.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.cleanup();
});

const logger = winston.createLogger({ silent: true });
const targetConfig = targetSchema.parse({ name: 'siem', type: 'file', format: 'json', path: '/dev/null' });
const idle: Target = {
  name: 'siem',
  type: 'file',
  send: async () => undefined,
  close: async () => undefined,
};

function start(workers: ReturnType<typeof workersSchema.parse>) {
  const common = { connection: workerConnectionOptions(redis.url), prefix: 'settings', logger };
  const retry = retrySchema.parse({});
  return {
    ingest: createIngestWorker({
      ...common,
      concurrency: 1,
      targets: [targetConfig],
      retry,
      keepCompleted: 10,
      workers,
    }),
    delivery: createTargetWorker({
      ...common,
      config: targetConfig,
      target: idle,
      retry,
      workers,
      counters: new Counters(),
    }),
  };
}

describe('worker lock and stalled-job settings', () => {
  it('are passed to the ingest worker and the target workers', async () => {
    const workers = workersSchema.parse({
      lockDurationMs: 4000,
      stalledIntervalMs: 2000,
      maxStalledCount: 7,
    });
    const { ingest, delivery } = start(workers);
    try {
      for (const worker of [ingest.worker, delivery.worker]) {
        expect(worker.opts).toMatchObject({ lockDuration: 4000, stalledInterval: 2000, maxStalledCount: 7 });
      }
    } finally {
      await Promise.all([ingest.close(1000), delivery.close(1000)]);
    }
  });

  it('default to a 30 s lock, a 15 s check and 10 recoveries before a job is dead-lettered', async () => {
    const { ingest, delivery } = start(workersSchema.parse({}));
    try {
      for (const worker of [ingest.worker, delivery.worker]) {
        expect(worker.opts).toMatchObject({
          lockDuration: 30_000,
          stalledInterval: 15_000,
          maxStalledCount: 10,
        });
      }
    } finally {
      await Promise.all([ingest.close(1000), delivery.close(1000)]);
    }
  });

  it('refuse values outside their range', () => {
    expect(workersSchema.safeParse({ lockDurationMs: 999 }).success).toBe(false);
    expect(workersSchema.safeParse({ stalledIntervalMs: 600_001 }).success).toBe(false);
    expect(workersSchema.safeParse({ maxStalledCount: -1 }).success).toBe(false);
  });
});
