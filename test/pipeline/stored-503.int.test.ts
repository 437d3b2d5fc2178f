// A 503 can hide a stored delivery (Redis ran the enqueue after the command timed out); the sender's retry adds nothing.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { waitFor, useForwarder } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';

const COMMAND_TIMEOUT_MS = 500;
const fx = useForwarder({ config: { redis: { commandTimeoutMs: COMMAND_TIMEOUT_MS } } });

async function ingestJobIds(): Promise<string[]> {
  const queue = new Queue('ingest', {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: fx.forwarder.prefix,
  });
  try {
    const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed']);
    return jobs.map((job) => String(job.id)).sort();
  } finally {
    await queue.close();
  }
}

describe('a 503 means "retry", never "not stored"', () => {
  it('the enqueue that timed out was stored; the retry with a new transport id creates no second set of records', async () => {
    // Warm up: the producer has loaded BullMQ's scripts, so the paused enqueue is one command on the wire.
    const warm = await postWebhook(
      fx.forwarder.webhookUrl,
      fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns.json'),
    );
    expect(warm.status).toBe(202);

    const body = fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');
    const projectId = '81795aea-7ce4-47bb-bea1-30f2b32a6d90';
    const mine = () => fx.forwarder.records().filter((r) => r.project_id === projectId);
    const firstTransport = randomUUID();
    // Redis frozen (SIGSTOP): the enqueue is written to the socket, then times out, so the sender gets a 503...
    fx.redis.pause();
    let first;
    try {
      first = await postWebhook(fx.forwarder.webhookUrl, body, { transportId: firstTransport });
    } finally {
      fx.redis.resume();
    }
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('5');
    // ...yet Redis runs the command once it goes on: the delivery was stored and is processed.
    await waitFor(() => mine().length >= 4, 15_000, 'the records of the delivery answered 503');
    expect(mine().every((r) => r.transport_id === firstTransport)).toBe(true);

    // The sender retries as told, here with a new transport id: the same body is a duplicate.
    const retry = await postWebhook(fx.forwarder.webhookUrl, body, { transportId: randomUUID() });
    expect(retry.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mine()).toHaveLength(4);
    expect(await ingestJobIds()).toEqual(
      [String(warm.body.deliveryId), String(retry.body.deliveryId)].sort(),
    );
  });
});
