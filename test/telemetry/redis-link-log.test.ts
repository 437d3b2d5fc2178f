// The link log's verdicts: one lost and one regained line per outage, whatever the connections report meanwhile.
import { afterEach, describe, expect, it } from 'vitest';
import { noteRedisError, RedisLinkLog } from '../../src/telemetry/redis-link-log.js';
import type { Schedule } from '../../src/telemetry/rate-limited-log.js';
import { redisAddress } from '../../src/redis/connection.js';
import { capturedLog } from '../helpers/captured-log.js';

/** A clock and timers that move only when the test says so. */
function fakeTime() {
  let now = 1_000_000;
  let timers: Array<{ at: number; run: () => void }> = [];
  const schedule: Schedule = (run, delayMs) => {
    const timer = { at: now + delayMs, run };
    timers.push(timer);
    return () => {
      timers = timers.filter((t) => t !== timer);
    };
  };
  return {
    now: () => now,
    schedule,
    pending: () => timers.length,
    /** Moves the clock, running each timer that falls due, in order. */
    async advance(ms: number) {
      const until = now + ms;
      for (let i = 0; i < 1000; i += 1) {
        const due = timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.run();
        await flush();
      }
      now = until;
    },
  };
}

/** Lets settled PINGs reach the log. */
const flush = async () => {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

/** A Redis that answers PING while `up`, refuses it while not, and never answers while `hung`. */
function fakeRedis() {
  const redis = { up: true, hung: false, pings: 0 };
  const ping = () => {
    redis.pings += 1;
    if (redis.hung) return new Promise(() => undefined);
    return redis.up
      ? Promise.resolve('PONG')
      : Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }),
        );
  };
  return { redis, ping };
}

const logs: RedisLinkLog[] = [];
afterEach(() => {
  for (const log of logs.splice(0)) log.stop();
});

function linkLog() {
  const out = capturedLog();
  const time = fakeTime();
  const { redis, ping } = fakeRedis();
  const log = new RedisLinkLog({
    logger: out.logger,
    address: '127.0.0.1:6390',
    ping,
    now: time.now,
    schedule: time.schedule,
    heartbeatMs: 10_000,
    retryMs: 1000,
    pingTimeoutMs: 5000,
  });
  logs.push(log);
  const said = (message: string) => out.lines().filter((line) => line.message === message);
  return { out, time, redis, log, said };
}

describe('RedisLinkLog', () => {
  it('writes one lost and one regained line for an outage that every connection reports many times', async () => {
    const { time, redis, log, said } = linkLog();
    log.start();
    await flush();
    expect(log.status).toBe('up');

    redis.up = false;
    // Ten connections, each erring on every reconnection attempt.
    for (let round = 0; round < 5; round += 1) {
      for (let connection = 0; connection < 10; connection += 1)
        noteRedisError(
          `connection-${connection}`,
          Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
        );
      await flush();
      await time.advance(700);
    }
    expect(said('Redis connection lost.')).toHaveLength(1);
    expect(said('Redis connection lost.')[0]).toMatchObject({
      level: 'warn',
      redis: '127.0.0.1:6390',
      error: 'read ECONNRESET',
      code: 'ECONNRESET',
      connection: 'connection-0',
    });

    redis.up = true;
    await time.advance(1000);
    // Connections that are still reconnecting keep erring: each error is asked about, and Redis answers.
    for (let connection = 0; connection < 10; connection += 1)
      noteRedisError(`connection-${connection}`, new Error('Connection is closed.'));
    await flush();
    await time.advance(30_000);
    expect(said('Redis connection lost.')).toHaveLength(1);
    expect(said('Redis connection regained.')).toHaveLength(1);
    // From the first error (round 0) to the first PING that answered: 5 rounds of 700 ms, then the next retry.
    expect(said('Redis connection regained.')[0]).toMatchObject({ level: 'info', redis: '127.0.0.1:6390' });
    expect(said('Redis connection regained.')[0]?.downMs).toBeGreaterThanOrEqual(3500);
    expect(said('Redis connection regained.')[0]?.downMs).toBeLessThanOrEqual(4500);
  });

  it('writes a second pair for a second outage', async () => {
    const { time, redis, log, said } = linkLog();
    log.start();
    await flush();
    for (let outage = 0; outage < 2; outage += 1) {
      redis.up = false;
      log.noteError('link', new Error('connect ECONNREFUSED 127.0.0.1:6390'));
      await flush();
      await time.advance(3000);
      redis.up = true;
      log.noteReady();
      await flush();
    }
    expect(said('Redis connection lost.')).toHaveLength(2);
    expect(said('Redis connection regained.')).toHaveLength(2);
  });

  it('writes nothing for an error while Redis answers (one connection dropped and came back)', async () => {
    const { time, redis, log, said } = linkLog();
    log.start();
    await flush();
    log.noteError('target_queue', new Error('Connection is closed.'));
    await flush();
    await time.advance(60_000);
    expect(redis.pings).toBeGreaterThan(2);
    expect(said('Redis connection lost.')).toEqual([]);
  });

  it('notices a Redis that hangs without closing anything, by its heartbeat PING', async () => {
    const { time, redis, log, said } = linkLog();
    log.start();
    await flush();
    redis.hung = true;
    // The next heartbeat, then its PING's deadline.
    await time.advance(10_000 + 5000);
    expect(said('Redis connection lost.')).toHaveLength(1);
    expect(said('Redis connection lost.')[0]).toMatchObject({
      error: 'PING not answered within 5000 ms',
      connection: 'link',
    });
    await time.advance(60_000);
    expect(said('Redis connection lost.')).toHaveLength(1);
    redis.hung = false;
    await time.advance(6000);
    expect(said('Redis connection regained.')).toHaveLength(1);
  });

  it('says nothing about a Redis that was not reached yet, nor when it is reached at last', async () => {
    const { time, redis, log, said } = linkLog();
    redis.up = false;
    log.start();
    await flush();
    noteRedisError('receiver_redis', new Error('connect ECONNREFUSED'));
    await time.advance(5000);
    expect(log.status).toBe('starting');
    redis.up = true;
    await time.advance(1000);
    expect(log.status).toBe('up');
    expect(said('Redis connection lost.')).toEqual([]);
    expect(said('Redis connection regained.')).toEqual([]);
  });

  it('stops checking and writes nothing once stopped', async () => {
    const { time, redis, log, said } = linkLog();
    log.start();
    await flush();
    log.stop();
    redis.up = false;
    noteRedisError('receiver_redis', new Error('Connection is closed.'));
    await time.advance(60_000);
    expect(time.pending()).toBe(0);
    expect(said('Redis connection lost.')).toEqual([]);
  });
});

describe('redisAddress', () => {
  it('names the host and port, never the user or the password', () => {
    expect(redisAddress('redis://forwarder:s3cr3t-pass@10.0.0.5:6390/2')).toBe('10.0.0.5:6390');
    expect(redisAddress('rediss://:pw@[::1]:6391')).toBe('[::1]:6391');
    expect(redisAddress('redis://redis.internal')).toBe('redis.internal:6379');
  });
});
