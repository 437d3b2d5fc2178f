// Every rejected webhook leaves one log line (code, remote address, event, transport id), never its body or signature.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startForwarder, useForwarder, waitFor } from '../helpers/forwarder.js';
import { postWebhook } from '../helpers/webhook.js';

interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

const fx = useForwarder({ config: { receiver: { maxBodyBytes: 64 * 1024 } } });

/** The line is written before the answer is sent; the bound only turns a missing line into a clear failure. */
const LOG_BOUND_MS = 20_000;

function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

const rejections = (text: string): LogLine[] =>
  parseLines(text).filter((line) => line.message === 'Webhook rejected.');

/** The rejection lines that name this transport id; waits for the first one, since logging is asynchronous. */
async function rejectionsFor(transportId: string): Promise<LogLine[]> {
  await waitFor(
    () => rejections(fx.forwarder.logs()).some((line) => line.transportId === transportId),
    LOG_BOUND_MS,
    `the rejection line for ${transportId}`,
  );
  return rejections(fx.forwarder.logs()).filter((line) => line.transportId === transportId);
}

/** A body that is easy to spot if it ever reached the log. */
function markedBody(): { body: string; marker: string } {
  const marker = `body-marker-${randomUUID()}`;
  return { body: JSON.stringify({ org: { name: marker } }), marker };
}

const A_SIGNATURE = (transportId: string) =>
  `sha256=${Buffer.from(transportId.replace(/-/g, '').padEnd(32, '0').slice(0, 32)).toString('hex')}`;

function expectOneLine(lines: LogLine[], expected: Record<string, unknown>): LogLine {
  expect(lines).toHaveLength(1);
  const line = lines[0] as LogLine;
  expect(line).toMatchObject(expected);
  expect(String(line.remoteAddress)).toMatch(/127\.0\.0\.1$/);
  expect(line.level).toBe('warn');
  return line;
}

describe('rejected webhooks are logged', { timeout: 60_000 }, () => {
  it('401 missing_signature: one line with code, remote address, event and transport id, no body', async () => {
    const transportId = randomUUID();
    const { body, marker } = markedBody();
    const answer = await postWebhook(fx.forwarder.webhookUrl, body, { signature: null, transportId });
    expect(answer.status).toBe(401);
    expectOneLine(await rejectionsFor(transportId), {
      code: 'missing_signature',
      status: 401,
      event: 'project_snapshot/v0',
      transportId,
    });
    expect(fx.forwarder.logs()).not.toContain(marker);
  });

  it('401 invalid_signature: one line, and neither the body nor the signature header is logged', async () => {
    const transportId = randomUUID();
    const { body, marker } = markedBody();
    const signature = A_SIGNATURE(transportId);
    const answer = await postWebhook(fx.forwarder.webhookUrl, body, { signature, transportId });
    expect(answer.status).toBe(401);
    expectOneLine(await rejectionsFor(transportId), { code: 'invalid_signature', status: 401, transportId });
    expect(fx.forwarder.logs()).not.toContain(marker);
    expect(fx.forwarder.logs()).not.toContain(signature.slice('sha256='.length));
  });

  it('413 body_too_large: one line, logged without reading the body', async () => {
    const transportId = randomUUID();
    const signature = A_SIGNATURE(transportId);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        fx.forwarder.webhookUrl,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': String(1024 * 1024),
            'X-Snyk-Event': 'project_snapshot/v0',
            'X-Snyk-Transport-ID': transportId,
            'X-Hub-Signature': signature,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      // A few bytes of the announced MiB: the answer comes from Content-Length alone.
      req.write('{"org":');
    });
    expect(status).toBe(413);
    expectOneLine(await rejectionsFor(transportId), { code: 'body_too_large', status: 413, transportId });
    expect(fx.forwarder.logs()).not.toContain(signature.slice('sha256='.length));
  });

  it('400 missing_event: one line without an event', async () => {
    const transportId = randomUUID();
    const { body, marker } = markedBody();
    const answer = await postWebhook(fx.forwarder.webhookUrl, body, { event: null, transportId });
    expect(answer.status).toBe(400);
    const line = expectOneLine(await rejectionsFor(transportId), { code: 'missing_event', status: 400 });
    expect(line.event).toBeUndefined();
    expect(fx.forwarder.logs()).not.toContain(marker);
  });

  it('400 invalid_json: one line, and the signed body is not logged', async () => {
    const transportId = randomUUID();
    const marker = `not-json-${randomUUID()}`;
    const answer = await postWebhook(fx.forwarder.webhookUrl, `{"${marker}": `, { transportId });
    expect(answer.status).toBe(400);
    expectOneLine(await rejectionsFor(transportId), { code: 'invalid_json', status: 400, transportId });
    expect(fx.forwarder.logs()).not.toContain(marker);
  });

  it('415 unsupported_encoding: one line', async () => {
    const transportId = randomUUID();
    const answer = await postWebhook(fx.forwarder.webhookUrl, '{}', {
      transportId,
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(answer.status).toBe(415);
    expectOneLine(await rejectionsFor(transportId), { code: 'unsupported_encoding', status: 415 });
  });

  it('503 queue_unavailable while Redis is down: one line that says why', async () => {
    const transportId = randomUUID();
    const { body, marker } = markedBody();
    await fx.redis.stop();
    try {
      const answer = await postWebhook(fx.forwarder.webhookUrl, body, { transportId });
      expect(answer.status).toBe(503);
      const line = expectOneLine(await rejectionsFor(transportId), {
        code: 'queue_unavailable',
        status: 503,
        transportId,
      });
      expect(typeof line.detail).toBe('string');
      // The rejection line is the only line about this request: no second, unlimited warning.
      const mentions = parseLines(fx.forwarder.logs()).filter((l) => JSON.stringify(l).includes(transportId));
      expect(mentions).toHaveLength(1);
      expect(fx.forwarder.logs()).not.toContain(marker);
    } finally {
      await fx.redis.start();
    }
  });

  it('bounds and sanitises header values an attacker controls', async () => {
    const transportId = `${randomUUID()}\t${'é'.repeat(300)}`;
    const event = `project_snapshot/v0\t${'\u00ff'.repeat(20)}${'x'.repeat(5000)}`;
    const answer = await postWebhook(fx.forwarder.webhookUrl, '{}', {
      signature: null,
      transportId,
      event,
      headers: { 'X-Snyk-Transport-ID': Buffer.from(transportId, 'utf8').toString('latin1') },
    });
    expect(answer.status).toBe(401);
    const prefix = transportId.slice(0, 36);
    await waitFor(
      () => rejections(fx.forwarder.logs()).some((l) => String(l.transportId).startsWith(prefix)),
      LOG_BOUND_MS,
      'the rejection line with hostile headers',
    );
    const line = rejections(fx.forwarder.logs()).find((l) => String(l.transportId).startsWith(prefix));
    for (const value of [String(line?.transportId), String(line?.event)]) {
      expect(value).toMatch(/^[\x20-\x7e]+$/);
      expect(value.length).toBeLessThanOrEqual(140);
    }
    expect(String(line?.event)).toMatch(/^project_snapshot\/v0\?/);
  });
});

describe('a flood of bad requests', () => {
  it('logs at most receiver.rejectLogPerMinute lines per minute, then one summary with the exact count', async () => {
    const flood = await startForwarder({ redisUrl: fx.redis.url });
    const total = 500;
    const perMinute = 20; // the default
    try {
      let next = 0;
      // 10 senders in parallel, each request awaited: bounded in count, no timer involved.
      const sender = async () => {
        while (next < total) {
          next += 1;
          const answer = await postWebhook(flood.webhookUrl, '{}', { secret: 'not-the-secret-0123456789' });
          expect(answer.status).toBe(401);
        }
      };
      await Promise.all(Array.from({ length: 10 }, sender));
    } finally {
      // The summary of the last window is written at shutdown at the latest.
      await flood.stop();
    }
    const lines = parseLines(flood.logs()).filter(
      (line) =>
        line.message === 'Webhook rejected.' || line.message.startsWith('Rejected webhooks not logged'),
    );
    // Windows end at summary lines; a slow machine may see the flood cross a minute boundary, so check each window.
    const windows: Array<{ written: number; suppressed: number }> = [{ written: 0, suppressed: 0 }];
    for (const line of lines) {
      const current = windows[windows.length - 1] as { written: number; suppressed: number };
      if (line.message === 'Webhook rejected.') current.written += 1;
      else {
        current.suppressed = Number(line.suppressed);
        windows.push({ written: 0, suppressed: 0 });
      }
    }
    const closed = windows.slice(0, -1);
    const open = windows[windows.length - 1] as { written: number; suppressed: number };
    expect(closed.length).toBeGreaterThanOrEqual(1);
    for (const window of closed) {
      expect(window.written).toBe(perMinute);
      expect(window.suppressed).toBeGreaterThan(0);
    }
    expect(open.written).toBeLessThanOrEqual(perMinute);
    const written = windows.reduce((sum, w) => sum + w.written, 0);
    const suppressed = windows.reduce((sum, w) => sum + w.suppressed, 0);
    expect(written + suppressed).toBe(total);
    console.log(
      `flood of ${total}: ${written} lines written, ${suppressed} counted in ${closed.length} summary line(s)`,
    );
  }, 120_000);

  it('takes its limit from receiver.rejectLogPerMinute', async () => {
    const quiet = await startForwarder({
      redisUrl: fx.redis.url,
      config: { receiver: { rejectLogPerMinute: 2 } },
    });
    try {
      for (let i = 0; i < 5; i += 1) {
        expect((await postWebhook(quiet.webhookUrl, '{}', { signature: null })).status).toBe(401);
      }
    } finally {
      await quiet.stop();
    }
    const lines = parseLines(quiet.logs());
    expect(lines.filter((line) => line.message === 'Webhook rejected.')).toHaveLength(2);
    const summary = lines.find((line) => line.message.startsWith('Rejected webhooks not logged'));
    expect(summary).toMatchObject({ suppressed: 3, byCode: { missing_signature: 3 } });
  });
});
