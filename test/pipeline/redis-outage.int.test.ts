// With Redis down the receiver answers 503 quickly with Retry-After, and recovers by itself when Redis returns.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startForwarder, useForwarder, waitFor } from '../helpers/forwarder.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';

const fx = useForwarder();

describe('Redis outage', () => {
  it('answers 503 with Retry-After in under 2 s while Redis is down, then accepts again without a restart', async () => {
    expect(
      (
        await postWebhook(
          fx.forwarder.webhookUrl,
          freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
        )
      ).status,
    ).toBe(202);

    await fx.redis.stop();
    const during = await postWebhook(
      fx.forwarder.webhookUrl,
      freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
    );
    expect(during.status).toBe(503);
    expect(during.body.error).toBe('queue_unavailable');
    expect(during.headers['retry-after']).toBe('5');
    expect(during.ms).toBeLessThan(2000);
    console.log(`503 with Redis down answered in ${during.ms.toFixed(1)} ms`);

    const ready = await fetch(`${fx.forwarder.url}/readyz`);
    expect(ready.status).toBe(503);
    const live = await fetch(`${fx.forwarder.url}/healthz`);
    expect(live.status).toBe(200);

    await fx.redis.start();
    const transportId = randomUUID();
    let status = 0;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      status = (
        await postWebhook(
          fx.forwarder.webhookUrl,
          freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
          { transportId },
        )
      ).status;
      if (status === 202) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(202);
    await waitFor(
      () => fx.forwarder.records().some((r) => r.transport_id === transportId),
      15_000,
      'records after recovery',
    );
  });

  it('stops within its grace period when SIGTERM comes while Redis is down', async () => {
    const other = await startForwarder({
      redisUrl: fx.redis.url,
      config: { workers: { shutdownGraceMs: 1000 } },
    });
    await fx.redis.stop();
    try {
      const started = Date.now();
      await other.stop();
      const ms = Date.now() - started;
      console.log(`stop with Redis down took ${ms} ms`);
      // Grace (1 s) plus the bounded close of each queue (2 s) and disconnects (1 s).
      expect(ms).toBeLessThan(6000);
    } finally {
      await fx.redis.start();
    }
  });
});
