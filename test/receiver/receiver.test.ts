// The receiver over real HTTP and a real Redis: status codes, error bodies, limits, pings and unknown events.
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
    const result = await new Promise<number>((resolve, reject) => {
      const req = request(
        forwarder.webhookUrl,
        { method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', () => undefined);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= 200 || req.destroyed) {
          clearInterval(timer);
          return;
        }
        sent += 1;
        req.write(Buffer.alloc(4096, 0x20));
      }, 1);
      setTimeout(() => {
        clearInterval(timer);
        reject(new Error('no answer'));
      }, 5000).unref();
    });
    expect(result).toBe(413);
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

  it('answers 200 to ping/v0 and writes no record', async () => {
    const before = forwarder.records().length;
    const result = await postWebhook(forwarder.webhookUrl, fixture('ping-v0.snyk-docs.json'), {
      event: 'ping/v0',
    });
    expect(result.status).toBe(200);
    expect(forwarder.daemon.counters.get('webhooks_pings')).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(forwarder.records().filter((r) => String(r.event).startsWith('ping')).length).toBe(0);
    expect(forwarder.records().length).toBeGreaterThanOrEqual(before);
  });

  it('accepts an unknown event and turns it into one generic record', async () => {
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
      10_000,
      'the generic record',
    );
    expect(record.kind).toBe('generic');
    expect(record.event).toBe('project_snapshot/v1');
  });

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
