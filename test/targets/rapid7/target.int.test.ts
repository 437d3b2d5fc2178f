// The Rapid7 target against local peers: an HTTPS server emulating the webhook, a TLS token-TCP server, and syslog-ng TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { SendError } from '../../../src/errors.js';
import { rapid7TargetSchema } from '../../../src/targets/rapid7/config.js';
import { buildRapid7Target } from '../../../src/targets/rapid7/target.js';
import type { Target } from '../../../src/targets/types.js';
import { startSyslogNg, type TestSyslogNg } from '../../helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { makeBatch, makeContext, makeRecord, must, silentLogger, sleep } from '../syslog/fixtures.js';

const token = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';
let pki: TestPki;
let syslogNg: TestSyslogNg;
const targets: Target[] = [];

/** What the emulated webhook does next: answer with a status (and headers), or hang. */
type Behaviour = { status: number; headers?: Record<string, string> } | 'hang';

interface WebhookPeer {
  server: HttpsServer;
  port: number;
  /** Bodies received on /v1/noformat/<token>, parsed as JSON when they are JSON. */
  received: { path: string; contentType: string | undefined; body: string }[];
  connections: number;
  /** Behaviours used in order, one per request; when empty the peer answers 204. */
  script: Behaviour[];
}

let webhook: WebhookPeer;

async function startWebhookPeer(): Promise<WebhookPeer> {
  const peer: WebhookPeer = {
    server: undefined as unknown as HttpsServer,
    port: 0,
    received: [],
    connections: 0,
    script: [],
  };
  peer.server = createHttpsServer(
    { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
    (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const behaviour = peer.script.shift() ?? { status: 204 };
        if (behaviour === 'hang') return;
        if (behaviour.status === 204 && req.url === `/v1/noformat/${token}`) {
          peer.received.push({
            path: req.url,
            contentType: req.headers['content-type'],
            body: Buffer.concat(chunks).toString(),
          });
        }
        res.writeHead(behaviour.status, behaviour.headers);
        res.end(behaviour.status === 204 ? undefined : `error for ${req.url ?? ''}`);
      });
    },
  );
  peer.server.on('secureConnection', () => (peer.connections += 1));
  await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
  const address = peer.server.address();
  peer.port = typeof address === 'object' && address ? address.port : 0;
  return peer;
}

beforeAll(async () => {
  pki = makeTestPki();
  webhook = await startWebhookPeer();
  syslogNg = await startSyslogNg(pki);
});

afterAll(async () => {
  await Promise.allSettled(targets.map((t) => t.close()));
  webhook?.server.closeAllConnections();
  webhook?.server.close();
  await syslogNg?.cleanup();
  pki?.cleanup();
});

function target(input: Record<string, unknown>): Target {
  const config = rapid7TargetSchema.parse({ name: 'r7', type: 'rapid7', ...input });
  const built = buildRapid7Target(config, { logger: silentLogger });
  targets.push(built);
  return built;
}

function webhookTarget(extra: Record<string, unknown> = {}): Target {
  return target({ token, endpoint: `https://127.0.0.1:${webhook.port}`, tls: { ca: pki.caFile }, ...extra });
}

async function rejection(promise: Promise<unknown>): Promise<SendError> {
  const caught = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught).toBeInstanceOf(SendError);
  const error = caught as SendError;
  // The token is a secret: it appears in no message.
  expect(error.message).not.toContain(token);
  expect(String((error.cause as Error | undefined)?.message ?? '')).not.toContain(token);
  return error;
}

describe('webhook transport', () => {
  it('POSTs one record per request to /v1/noformat/<token> over one keep-alive pool', async () => {
    webhook.received.length = 0;
    const connectionsBefore = webhook.connections;
    const t = webhookTarget();
    const records = Array.from({ length: 40 }, () => makeRecord());
    await t.send(makeBatch(records), makeContext());
    expect(webhook.received).toHaveLength(40);
    const ids = webhook.received.map((r) => (JSON.parse(r.body) as { id: string }).id).sort();
    expect(ids).toEqual(records.map((r) => r.id).sort());
    expect(webhook.received.every((r) => r.contentType?.startsWith('application/json'))).toBe(true);
    expect(webhook.connections - connectionsBefore).toBeLessThanOrEqual(8);
  });

  it('429 with Retry-After seconds → rateLimited with that wait; delivered records are checkpointed', async () => {
    const t = webhookTarget();
    webhook.script = [{ status: 204 }, { status: 429, headers: { 'retry-after': '7' } }];
    const records = [makeRecord()];
    const context = makeContext();
    await t.send(makeBatch(records), context);
    const error = await rejection(t.send(makeBatch([makeRecord()]), context));
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true, retryAfterMs: 7000 });
  });

  it('503 with an HTTP-date Retry-After → rateLimited; 503 without → retryable', async () => {
    const t = webhookTarget();
    webhook.script = [
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 30_000).toUTCString() } },
    ];
    const limited = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(limited.code).toBe('rate_limited');
    expect(limited.retryAfterMs).toBeGreaterThan(20_000);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(30_000);
    webhook.script = [{ status: 503 }];
    const plain = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(plain).toMatchObject({ code: 'http_retryable_status', retryable: true });
  });

  it('400 and 501 are permanent; the token is redacted from the message', async () => {
    const t = webhookTarget();
    webhook.script = [{ status: 400 }];
    const bad = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(bad).toMatchObject({ code: 'http_permanent_status', retryable: false });
    expect(bad.message).toContain('<redacted>');
    webhook.script = [{ status: 501 }];
    expect(await rejection(t.send(makeBatch([makeRecord()]), makeContext()))).toMatchObject({
      retryable: false,
    });
  });

  it('a failure part-way checkpoints what was delivered and stops starting new requests', async () => {
    const t = webhookTarget();
    webhook.script = [{ status: 204 }, { status: 204 }, { status: 500 }];
    const records = Array.from({ length: 30 }, () => makeRecord());
    const context = makeContext();
    // Single-record batches first to make the order deterministic, then the failing batch.
    const error = await rejection(t.send(makeBatch(records), context));
    expect(error.retryable).toBe(true);
    const delivered = context.checkpoints.flat();
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(delivered.length).toBeLessThan(30);
    webhook.script = [];
  });

  it('a peer that never answers → retryable timeout; an abort → retryable', async () => {
    const t = webhookTarget({ timeoutMs: 300 });
    webhook.script = ['hang'];
    expect(await rejection(t.send(makeBatch([makeRecord()]), makeContext()))).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    webhook.script = ['hang'];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(
      (await rejection(t.send(makeBatch([makeRecord()]), makeContext(controller.signal)))).retryable,
    ).toBe(true);
    webhook.script = [];
  });

  it('the wrong CA is a retryable tls_error', async () => {
    const t = webhookTarget({ tls: { ca: pki.otherCaFile } });
    expect(await rejection(t.send(makeBatch([makeRecord()]), makeContext()))).toMatchObject({
      code: 'tls_error',
      retryable: true,
    });
  });
});

describe('token-tls transport', () => {
  let server: TlsServer;
  let port = 0;
  const lines: string[] = [];

  beforeAll(async () => {
    server = createTlsServer(
      { key: readFileSync(pki.serverKeyFile), cert: readFileSync(pki.serverCertFile) },
      (socket) => {
        let pending = '';
        socket.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          const parts = pending.split('\n');
          pending = parts.pop() ?? '';
          lines.push(...parts);
        });
        socket.on('error', () => undefined);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(() => {
    server?.close();
  });

  it('writes "<token> <record>\\n" per record over TLS; a body with LF cannot start a line of its own', async () => {
    const t = target({
      transport: 'token-tls',
      token,
      endpoint: `127.0.0.1:${port}`,
      tls: { ca: pki.caFile, servername: 'localhost' },
    });
    const records = [makeRecord(), makeRecord({ body: 'evil\nforged line\r\nmore' }), makeRecord()];
    await t.send(makeBatch(records), makeContext());
    for (let i = 0; i < 50 && lines.length < 3; i += 1) await sleep(20);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.startsWith(`${token} `))).toBe(true);
    expect(lines[1]).toBe(`${token} evil forged line  more`);
    expect(must(lines[0])).toContain(must(records[0]).id);
  });

  it('the wrong CA is a retryable tls_error and no line is written', async () => {
    const before = lines.length;
    const t = target({
      transport: 'token-tls',
      token,
      endpoint: `127.0.0.1:${port}`,
      tls: { ca: pki.otherCaFile },
    });
    expect(await rejection(t.send(makeBatch([makeRecord()]), makeContext()))).toMatchObject({
      code: 'tls_error',
    });
    await sleep(50);
    expect(lines.length).toBe(before);
  });
});

describe('syslog transport', () => {
  it('sends RFC 5424 over TLS with LF framing to the collector, trusting its CA', async () => {
    const t = target({
      transport: 'syslog',
      endpoint: `127.0.0.1:${syslogNg.ports.tlsLf}`,
      tls: { ca: pki.caFile },
    });
    const records = [makeRecord(), makeRecord({ severity: 'critical' })];
    await t.send(makeBatch(records), makeContext());
    const got = await syslogNg.waitFor('tlsLf', (m) =>
      records.every((r) => m.some((x) => x.msg.includes(r.id))),
    );
    const mine = got.filter((m) => records.some((r) => m.msg.includes(r.id)));
    expect(mine.map((m) => m.pri).sort()).toEqual(['130', '131']);
    expect(mine.every((m) => m.program === 'snyk-siem-forwarder' && m.msg.startsWith('{'))).toBe(true);
  });
});
