// Duplicate deliveries (the same signed body, whatever its unsigned headers) create one job and one set of records.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { waitFor, useForwarder } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';

const fx = useForwarder();

async function ingestJobCount(): Promise<number> {
  const queue = new Queue('ingest', {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: fx.forwarder.prefix,
  });
  try {
    const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
}

describe('deduplication', () => {
  it('the same delivery posted three times yields one job and one set of records, with 2xx every time', async () => {
    const body = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');
    const transportId = randomUUID();
    const jobsBefore = await ingestJobCount();
    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await postWebhook(fx.forwarder.webhookUrl, body, { transportId }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.body.deliveryId)).size).toBe(1);

    // 5 findings and 1 summary in the fixture.
    await waitFor(
      () => fx.forwarder.records().filter((r) => r.transport_id === transportId).length >= 6,
      10_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(fx.forwarder.records().filter((r) => r.transport_id === transportId)).toHaveLength(6);
    expect((await ingestJobCount()) - jobsBefore).toBe(1);
  });

  it('a replay of the same body with a new transport id and timestamp is a duplicate: no new job, no new record', async () => {
    const body = fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');
    const original = randomUUID();
    const first = await postWebhook(fx.forwarder.webhookUrl, body, { transportId: original });
    expect(first.status).toBe(202);
    // 3 findings and 1 summary in the fixture.
    const mine = (transportId: string) =>
      fx.forwarder.records().filter((r) => r.transport_id === transportId);
    await waitFor(() => mine(original).length >= 4, 10_000, 'the original records');
    const jobsBefore = await ingestJobCount();
    const recordsBefore = fx.forwarder.records().length;

    const replays: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const transportId = randomUUID();
      replays.push(transportId);
      const answer = await postWebhook(fx.forwarder.webhookUrl, body, {
        transportId,
        headers: { 'X-Snyk-Timestamp': `203${i}-01-01T00:00:00Z` },
      });
      expect(answer.status).toBe(202);
      expect(answer.body.deliveryId).toBe(first.body.deliveryId);
    }
    // Nothing was queued, so there is no event to wait for: give a wrongly queued job time to show.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ingestJobCount()).toBe(jobsBefore);
    expect(fx.forwarder.records()).toHaveLength(recordsBefore);
    expect(replays.flatMap(mine)).toEqual([]);
  });

  it('a different body under the same transport id is a different delivery (the id is unsigned)', async () => {
    const transportId = randomUUID();
    const first = await postWebhook(
      fx.forwarder.webhookUrl,
      fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns.json'),
      { transportId },
    );
    const second = await postWebhook(
      fx.forwarder.webhookUrl,
      fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
      { transportId },
    );
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(first.body.deliveryId).not.toBe(second.body.deliveryId);
  });
});
