// The forwarded set on a real Redis: what one snapshot adds and removes, its lifetime, and the latest snapshot time.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerConnectionOptions } from '../../../src/redis/connection.js';
import {
  FORWARDED_TTL_SECONDS,
  forwardedKey,
  recordForwarded,
  snapshotsKey,
  type RedisLike,
} from '../../../src/snyk/reconcile/forwarded-set.js';
import type { SeverityLetter, SnapshotDelta } from '../../../src/snyk/reconcile/snapshot-delta.js';
import { useTestRedis } from '../../helpers/redis-server.js';

const fx = useTestRedis();
const PREFIX = 'fwd';
let queue: Queue;
let client: RedisLike;
let plain: Redis;

beforeAll(async () => {
  queue = new Queue('forwarded-set-test', {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: PREFIX,
  });
  client = await queue.backend.client;
  plain = new Redis(fx.redis.url);
});

afterAll(async () => {
  await queue?.close();
  plain?.disconnect();
});

const delta = (
  projectId: string,
  added: Array<[string, SeverityLetter]>,
  removed: string[] = [],
): SnapshotDelta => ({
  projectId,
  added: new Map(added),
  removed,
});

describe('recordForwarded', () => {
  it('adds the new findings, removes the resolved ones, and keeps the project for 90 days', async () => {
    await recordForwarded(
      client,
      PREFIX,
      delta('p1', [
        ['a', 'h'],
        ['b', 'l'],
        ['c', 'c'],
      ]),
      '2026-12-01T10:00:00.000Z',
    );
    await recordForwarded(
      client,
      PREFIX,
      delta('p1', [['d', 'm']], ['a', 'c', 'never-added']),
      '2026-12-01T11:00:00.000Z',
    );
    expect(await plain.hgetall(forwardedKey(PREFIX, 'p1'))).toEqual({ b: 'l', d: 'm' });
    const ttl = await plain.ttl(forwardedKey(PREFIX, 'p1'));
    expect(ttl).toBeGreaterThan(FORWARDED_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(FORWARDED_TTL_SECONDS);
  });

  it('keeps the later snapshot time when deliveries of a project are processed out of order', async () => {
    await recordForwarded(client, PREFIX, delta('p2', [['a', 'h']]), '2026-12-01T12:00:00.000Z');
    await recordForwarded(client, PREFIX, delta('p2', []), '2026-12-01T09:00:00.000Z');
    expect(await plain.hget(snapshotsKey(PREFIX), 'p2')).toBe(String(Date.parse('2026-12-01T12:00:00.000Z')));
    // A delivery without a usable time changes the findings and leaves the time alone.
    await recordForwarded(client, PREFIX, delta('p2', [['b', 'l']]), 'not a time');
    expect(await plain.hget(snapshotsKey(PREFIX), 'p2')).toBe(String(Date.parse('2026-12-01T12:00:00.000Z')));
    expect(await plain.hgetall(forwardedKey(PREFIX, 'p2'))).toEqual({ a: 'h', b: 'l' });
  });

  it('applies a snapshot of 2,500 findings in several commands, with the same result', async () => {
    const many = Array.from({ length: 2500 }, (_, i): [string, SeverityLetter] => [`k${i}`, 'm']);
    await recordForwarded(client, PREFIX, delta('p3', many), '2026-12-02T08:00:00.000Z');
    await recordForwarded(
      client,
      PREFIX,
      delta(
        'p3',
        [],
        many.slice(0, 1200).map(([key]) => key),
      ),
      '2026-12-02T09:00:00.000Z',
    );
    expect(await plain.hlen(forwardedKey(PREFIX, 'p3'))).toBe(1300);
    expect(await plain.hget(forwardedKey(PREFIX, 'p3'), 'k1200')).toBe('m');
    expect(await plain.hget(snapshotsKey(PREFIX), 'p3')).toBe(String(Date.parse('2026-12-02T09:00:00.000Z')));
    expect(await plain.ttl(forwardedKey(PREFIX, 'p3'))).toBeGreaterThan(FORWARDED_TTL_SECONDS - 60);
  });
});
