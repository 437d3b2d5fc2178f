// Duplicate deliveries (same transport id and same body) create one job and one set of records.
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
