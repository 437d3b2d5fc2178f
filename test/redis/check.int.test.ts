// Warnings about a configured Redis that can lose jobs: an eviction policy, or no persistence.
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectRedis, warnAboutRedis } from '../../src/redis/check.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

let redis: TestRedis;
let client: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.cleanup();
});

async function warnings(): Promise<string> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  warnAboutRedis(await inspectRedis(client), createLogger({ level: 'warn', format: 'json', stream }));
  await new Promise((r) => setImmediate(r));
  return text;
}

describe('Redis checks', () => {
  it('say nothing for AOF and noeviction', async () => {
    expect(await warnings()).toBe('');
  });

  it('warn when maxmemory-policy is not noeviction', async () => {
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await warnings()).toContain('maxmemory-policy is \\"allkeys-lru\\"');
    await client.config('SET', 'maxmemory-policy', 'noeviction');
  });

  it('warn when persistence is off', async () => {
    await client.config('SET', 'appendonly', 'no');
    await client.config('SET', 'save', '');
    expect(await warnings()).toContain('persistence is off');
    await client.config('SET', 'appendonly', 'yes');
    // Turning AOF on starts a rewrite; let it finish so the server stops cleanly afterwards (bounded wait).
    const until = Date.now() + 10_000;
    while (Date.now() < until && /aof_rewrite_in_progress:1/.test(await client.info('persistence'))) {
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
