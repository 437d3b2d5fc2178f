// Elasticsearch per-item results through the real queue: a refused record ends in the dead-letter queue even when
// the retry of its neighbours succeeds, and records that were accepted are never sent twice.
import { createHash, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { facets, normalize } from '../../normalizers/index.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { startElasticsearchPeer, type ElasticsearchPeer } from '../helpers/peers/elasticsearch-peer.js';
import { startForwarder, type TestForwarder } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

let peer: ElasticsearchPeer;
let redis: TestRedis;
let forwarder: TestForwarder;

beforeAll(async () => {
  peer = await startElasticsearchPeer();
  redis = await startTestRedis();
  forwarder = await startForwarder({
    redisUrl: redis.url,
    config: {
      retry: { baseDelayMs: 50, maxDelayMs: 200 },
      targets: [{ name: 'es', type: 'elasticsearch', url: peer.url, index: 'snyk-findings' }],
    },
  });
});

afterAll(async () => {
  await forwarder?.stop();
  await redis?.cleanup();
  await peer?.close();
});

describe('per-record rejection', () => {
  it('a 400 item is dead-lettered, a 429 item is resent once, the rest is stored once', async () => {
    const body = fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');
    const transportId = randomUUID();
    // Record ids do not depend on the receive time, so the test can compute them up front.
    const ids = normalize(JSON.parse(body.toString('utf8')) as unknown, {
      event: 'project_snapshot/v0',
      transportId,
      snykTimestamp: undefined,
      receivedAt: new Date().toISOString(),
      payloadBytes: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    }).map((record) => facets(record).recordId);
    expect(ids).toHaveLength(4);
    const [refused, throttled, ...rest] = ids as [string, string, ...string[]];
    peer.alwaysReject.add(refused);
    peer.itemFaults.set(throttled, [429]);

    expect((await postWebhook(forwarder.webhookUrl, body, { transportId })).status).toBe(202);
    const queue = new Queue('target-es', {
      connection: workerConnectionOptions(redis.url),
      prefix: forwarder.prefix,
    });
    try {
      let failed = await queue.getFailed();
      const until = Date.now() + 15_000;
      while (failed.length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        failed = await queue.getFailed();
      }
      expect(failed).toHaveLength(1);
      const dead = failed[0];
      expect(dead?.failedReason).toMatch(/^record_rejected: 1 record\(s\) refused: /);
      expect(dead?.failedReason).toContain(refused);
      expect(dead?.data.deadLetter).toMatchObject({ code: 'record_rejected', attempts: dead?.attemptsMade });
      expect(dead?.data.deadLetter?.message).toMatch(/^1 record\(s\) refused: /);
      expect(dead?.data.records.map((r: { id: string }) => r.id)).toEqual([refused]);
      expect(peer.receivedCount.get(refused)).toBe(1);
      expect(peer.receivedCount.get(throttled)).toBe(2);
      for (const id of rest) expect(peer.receivedCount.get(id)).toBe(1);
      expect([...(peer.indices.get('snyk-findings')?.keys() ?? [])].sort()).toEqual(
        [throttled, ...rest].sort(),
      );
    } finally {
      await queue.close();
    }
  });
});
