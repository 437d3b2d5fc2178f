// With Redis down the receiver answers 503 quickly with Retry-After, and recovers by itself when Redis returns.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

let redis: TestRedis;
let forwarder: TestForwarder;
const body = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');

beforeAll(async () => {
  redis = await startTestRedis();
  forwarder = await startForwarder({ redisUrl: redis.url });
});

afterAll(async () => {
  await forwarder?.stop();
  await redis?.cleanup();
});

describe('Redis outage', () => {
  it('answers 503 with Retry-After in under 2 s while Redis is down, then accepts again without a restart', async () => {
    expect((await postWebhook(forwarder.webhookUrl, body)).status).toBe(202);

    await redis.stop();
    const during = await postWebhook(forwarder.webhookUrl, body);
    expect(during.status).toBe(503);
    expect(during.body.error).toBe('queue_unavailable');
    expect(during.headers['retry-after']).toBe('5');
    expect(during.ms).toBeLessThan(2000);

    const ready = await fetch(`${forwarder.url}/readyz`);
    expect(ready.status).toBe(503);
    const live = await fetch(`${forwarder.url}/healthz`);
    expect(live.status).toBe(200);

    await redis.start();
    const transportId = randomUUID();
    let status = 0;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      status = (await postWebhook(forwarder.webhookUrl, body, { transportId })).status;
      if (status === 202) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(202);
    await waitFor(
      () => forwarder.records().some((r) => r.transport_id === transportId),
      15_000,
      'records after recovery',
    );
  });
});
