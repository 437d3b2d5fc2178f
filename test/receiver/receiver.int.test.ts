// The receiver over real HTTP and a real Redis: status codes, error bodies, limits, pings and unknown events.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

let redis: TestRedis;
let forwarder: TestForwarder;

beforeAll(async () => {
  redis = await startTestRedis();
  forwarder = await startForwarder({
    redisUrl: redis.url,
    config: { receiver: { maxBodyBytes: 64 * 1024 } },
  });
});

afterAll(async () => {
  await forwarder?.stop();
  await redis?.cleanup();
});

const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');

/**
 * Generous bounds for what goes through the queue and the workers: far above the usual second, so that a loaded
 * machine is not mistaken for a bug, and the test's own bound above the wait's, so the wait's message is what fails.
 */
const PIPELINE_BOUND_MS = 60_000;
const TEST_BOUND_MS = 90_000;

describe('POST /webhooks/snyk', () => {
  it('answers 202 with a delivery id once the job is stored', async () => {
    const result = await postWebhook(forwarder.webhookUrl, snapshot);
    expect(result.status).toBe(202);
    expect(result.body).toMatchObject({ status: 'accepted' });
    expect(String(result.body.deliveryId)).toMatch(/^d-[0-9a-f]{40}$/);
  });

  it('answers 401 missing_signature without X-Hub-Signature', async () => {
    const result = await postWebhook(forwarder.webhookUrl, snapshot, { signature: null });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('missing_signature');
  });

  it('answers 401 invalid_signature for a wrong secret', async () => {
    const result = await postWebhook(forwarder.webhookUrl, snapshot, { secret: 'not-the-secret-0123456789' });
    expect(result.status).toBe(401);
    expect(result.body.error).toBe('invalid_signature');
  });

  it('answers 413 body_too_large when Content-Length is over maxBodyBytes, without reading the body', async () => {
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        forwarder.webhookUrl,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Only 1 KiB of the announced 10 MiB is ever sent: the answer must not wait for the rest.
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).error).toBe('body_too_large');
  });

  it('answers 413 for a chunked body that grows past the limit', async () => {
    const limit = 64 * 1024;
    const chunk = Buffer.alloc(4096, 0x20);
    // The first chunk count whose total is past the limit.
    const chunksPastLimit = Math.floor(limit / chunk.length) + 1;
    // Each chunk is written once the previous one reached the socket, and writing stops at the first chunk past the
    // limit. The test waits for events only: the answer, or the error that says why there was none. A client that
    // keeps writing after the 413 (which closes the connection) gets EPIPE or ECONNRESET, which can arrive before the
    // answer is read and lose it (RFC 9112 §9.6).
    const result = await new Promise<{ status: number; error: unknown; chunksSent: number }>(
      (resolve, reject) => {
        let chunksSent = 0;
        let answered = false;
        const req = request(
          forwarder.webhookUrl,
          { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
          (res) => {
            answered = true;
            let text = '';
            res.on('data', (data: Buffer) => (text += data.toString()));
            res.on('end', () => {
              req.destroy();
              resolve({
                status: res.statusCode ?? 0,
                error: (JSON.parse(text) as { error: unknown }).error,
                chunksSent,
              });
            });
          },
        );
        req.on('error', (error) => {
          if (!answered) reject(new Error(`no answer after ${chunksSent} chunks: ${error.message}`));
        });
        const writeNext = (): void => {
          if (answered || req.destroyed || chunksSent >= chunksPastLimit) return;
          chunksSent += 1;
          req.write(chunk, writeNext);
        };
        writeNext();
      },
    );
    expect(result.status).toBe(413);
    expect(result.error).toBe('body_too_large');
    // The answer came only once the body had grown past the limit.
    expect(result.chunksSent).toBe(chunksPastLimit);
  });

  it('accepts a correctly signed body with invalid UTF-8 inside a string: the bytes are what was signed', async () => {
    const body = Buffer.concat([
      Buffer.from('{"org":{"name":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}}'),
    ]);
    const result = await postWebhook(forwarder.webhookUrl, body, { event: 'custom/v9' });
    expect(result.status).toBe(202);
  });

  it('answers 400 invalid_json for a correctly signed body that is not JSON', async () => {
    const result = await postWebhook(forwarder.webhookUrl, '{"project": ');
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_json');
  });

  it('answers 400 invalid_json for a signed JSON value that is not an object', async () => {
    const result = await postWebhook(forwarder.webhookUrl, '[1,2,3]');
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('invalid_json');
  });

  it('answers 400 missing_event when X-Snyk-Event is absent', async () => {
    const result = await postWebhook(forwarder.webhookUrl, snapshot, { event: null });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe('missing_event');
  });

  it('answers 415 for a compressed body, whose signature could not be checked as sent', async () => {
    const result = await postWebhook(forwarder.webhookUrl, snapshot, {
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(result.status).toBe(415);
    expect(result.body.error).toBe('unsupported_encoding');
  });

  it(
    'answers 200 to ping/v0 and writes no record',
    async () => {
      const before = forwarder.records().length;
      const accepted = await forwarder.daemon.counters.get('webhooks_received_total', {
        outcome: 'accepted',
      });
      const result = await postWebhook(forwarder.webhookUrl, fixture('ping-v0.snyk-docs.json'), {
        event: 'ping/v0',
      });
      expect(result.status).toBe(200);
      expect(
        await forwarder.daemon.counters.get('webhooks_received_total', { outcome: 'ping' }),
      ).toBeGreaterThanOrEqual(1);
      // Nothing was queued for the ping...
      expect(await forwarder.daemon.counters.get('webhooks_received_total', { outcome: 'accepted' })).toBe(
        accepted,
      );
      // ...and once a delivery posted after it has been written, no ping record is there: an event, not a fixed wait.
      const transportId = randomUUID();
      const after = await postWebhook(forwarder.webhookUrl, '{"org":{"id":"o-1","name":"Org"}}', {
        event: 'custom/v1',
        transportId,
      });
      expect(after.status).toBe(202);
      await waitFor(
        () => forwarder.records().some((r) => r.transport_id === transportId),
        PIPELINE_BOUND_MS,
        'the delivery posted after the ping',
      );
      expect(forwarder.records().filter((r) => String(r.event).startsWith('ping')).length).toBe(0);
      expect(forwarder.records().length).toBeGreaterThanOrEqual(before);
    },
    TEST_BOUND_MS,
  );

  it(
    'accepts an unknown event and turns it into one generic record',
    async () => {
      const transportId = 'unknown-event-transport-1';
      const result = await postWebhook(
        forwarder.webhookUrl,
        '{"org":{"id":"o-1","name":"Org"},"something":"new"}',
        {
          event: 'project_snapshot/v1',
          transportId,
        },
      );
      expect(result.status).toBe(202);
      const record = await waitFor(
        () => forwarder.records().find((r) => r.transport_id === transportId),
        PIPELINE_BOUND_MS,
        'the generic record',
      );
      expect(record.kind).toBe('generic');
      expect(record.event).toBe('project_snapshot/v1');
    },
    TEST_BOUND_MS,
  );

  it('answers 404 with a JSON error for other paths and 405 for other methods', async () => {
    const notFound = await fetch(`${forwarder.url}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 'not_found' });
    const wrongMethod = await fetch(forwarder.webhookUrl);
    expect(wrongMethod.status).toBe(405);
  });
});

describe('health probes', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const response = await fetch(`${forwarder.url}/healthz`);
    expect(response.status).toBe(200);
  });

  it('GET /readyz answers 200 while Redis is reachable', async () => {
    const response = await fetch(`${forwarder.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', redis: 'up' });
  });
});
