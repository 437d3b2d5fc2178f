// The shared retry policy through real queues: transient errors retry, permanent ones dead-letter, Retry-After
// pauses the target without spending an attempt, and a broken target never slows a healthy one.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '../helpers/redis-server.js';
import { deadLettersOf, startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { startScriptedCollector, type ScriptedCollector } from '../helpers/scripted-collector.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';

const fx = useTestRedis();
const { cleanups } = fx;
const RECORDS_PER_DELIVERY = 6;

async function setup(targets: Array<Record<string, unknown>>): Promise<TestForwarder> {
  const forwarder = await startForwarder({
    redisUrl: fx.redis.url,
    config: { targets, retry: { baseDelayMs: 100, maxDelayMs: 400 } },
  });
  cleanups.push(() => forwarder.stop());
  return forwarder;
}

async function collector(): Promise<ScriptedCollector> {
  const peer = await startScriptedCollector();
  cleanups.push(() => peer.close());
  return peer;
}

function httpTarget(name: string, url: string, extra: Record<string, unknown> = {}) {
  return { name, type: 'http', format: 'json', url, timeoutMs: 2000, ...extra };
}

async function deadLetters(forwarder: TestForwarder, target: string) {
  return deadLettersOf(fx.redis.url, forwarder.prefix, target);
}

async function completedJob(forwarder: TestForwarder, target: string) {
  const queue = new Queue(`target-${target}`, {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: forwarder.prefix,
  });
  try {
    return (await queue.getCompleted())[0];
  } finally {
    await queue.close();
  }
}

describe('retry policy through the queues', () => {
  it('retries a 503 and delivers every record once the collector recovers', async () => {
    const peer = await collector();
    peer.script.push({ status: 503 }, { status: 503 });
    const forwarder = await setup([httpTarget('siem', peer.url)]);
    expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    await waitFor(() => peer.delivered().length === RECORDS_PER_DELIVERY, 10_000, 'delivery after 503s');
    expect(peer.arrivals.map((a) => a.status)).toEqual([503, 503, 200]);
    expect((await completedJob(forwarder, 'siem'))?.attemptsMade).toBe(3);
  });

  it('dead-letters a 400 at once, with the reason, and sends nothing more', async () => {
    const peer = await collector();
    peer.fallback = { status: 400 };
    const forwarder = await setup([httpTarget('siem', peer.url)]);
    expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    let letters: Awaited<ReturnType<typeof deadLetters>> = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until && letters.length === 0) {
      letters = await deadLetters(forwarder, 'siem');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]?.failedReason).toMatch(/^http_permanent_status: /);
    expect(letters[0]?.data.records).toHaveLength(RECORDS_PER_DELIVERY);
    // The reason as data, written with the dead letter: one attempt, so it first and last failed at once.
    const reason = letters[0]?.data.deadLetter;
    expect(reason).toMatchObject({ code: 'http_permanent_status', attempts: 1 });
    expect(reason?.message).toMatch(/HTTP 400/);
    expect(reason?.message).not.toMatch(/^http_permanent_status/);
    expect(reason?.firstFailedAt).toBe(reason?.lastFailedAt);
    await new Promise((r) => setTimeout(r, 500));
    expect(peer.arrivals).toHaveLength(1);
  });

  it('honours Retry-After by pausing the target, without spending an attempt', async () => {
    const peer = await collector();
    peer.script.push({ status: 429, headers: { 'Retry-After': '2' } });
    const forwarder = await setup([httpTarget('siem', peer.url)]);
    expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    await waitFor(() => peer.delivered().length === RECORDS_PER_DELIVERY, 10_000, 'delivery after 429');
    const [first, second] = peer.arrivals;
    expect(first?.status).toBe(429);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    // One real attempt: the rate-limited one did not count.
    expect((await completedJob(forwarder, 'siem'))?.attemptsMade).toBe(1);
  });
});

describe('per-target rate limit', () => {
  it('spaces target jobs to at most rateLimit.max per rateLimit.durationMs', async () => {
    const peer = await collector();
    const forwarder = await setup([httpTarget('siem', peer.url, { rateLimit: { max: 1, durationMs: 600 } })]);
    for (let i = 0; i < 3; i += 1) {
      expect(
        (await postWebhook(forwarder.webhookUrl, freshSnapshot(), { transportId: randomUUID() })).status,
      ).toBe(202);
    }
    await waitFor(() => peer.arrivals.length === 3, 10_000, 'three rate-limited deliveries');
    const [a, b, c] = peer.arrivals.map((arrival) => arrival.at) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(500);
    expect(c - b).toBeGreaterThanOrEqual(500);
  });
});

describe('isolation', () => {
  it('a hanging target does not delay a healthy one', async () => {
    const healthy = await collector();
    const broken = await collector();
    const forwarder = await setup([
      httpTarget('healthy', healthy.url),
      httpTarget('broken', broken.url, { concurrency: 2 }),
    ]);

    async function latencies(count: number): Promise<number[]> {
      const out: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const transportId = randomUUID();
        const started = Date.now();
        expect((await postWebhook(forwarder.webhookUrl, freshSnapshot(), { transportId })).status).toBe(202);
        await waitFor(
          () => healthy.arrivals.some((a) => a.lines.some((line) => line.transport_id === transportId)),
          10_000,
          'healthy delivery',
        );
        out.push(Date.now() - started);
      }
      return out;
    }

    const baseline = await latencies(10);
    broken.fallback = 'hang';
    const during = await latencies(10);
    const max = (values: number[]) => Math.max(...values);
    // Flat: the worst latency with a hanging neighbour stays within the baseline's worst plus scheduling noise.
    expect(max(during)).toBeLessThan(Math.max(max(baseline) * 3, max(baseline) + 300));
    expect(max(during)).toBeLessThan(1000);
    expect(broken.arrivals.some((a) => a.status === 'hang')).toBe(true);
    console.log(
      `healthy target latency ms: baseline max ${max(baseline)}, with a hanging target max ${max(during)}`,
    );
  }, 60_000);
});
