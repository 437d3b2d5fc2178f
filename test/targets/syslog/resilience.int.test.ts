// Connection behaviour of the syslog target: receiver restart, reconnect and backoff, resets, timeouts, abort and close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { SendError } from '../../../src/errors.js';
import { syslogTargetSchema } from '../../../src/targets/syslog/config.js';
import { buildSyslogTarget } from '../../../src/targets/syslog/target.js';
import type { RecordBatch } from '../../../src/record-batch.js';
import type { Target } from '../../../src/targets/types.js';
import { freePort } from '../../helpers/free-port.js';
import { startSyslogNg, type SourceName, type TestSyslogNg } from '../../helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import {
  makeBatch,
  makeContext,
  makeRecord,
  must,
  parseOctetCounted,
  silentLogger,
  sleep,
} from './fixtures.js';

let pki: TestPki;
let syslogNg: TestSyslogNg;
const targets: Target[] = [];
const servers: Server[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  syslogNg = await startSyslogNg(pki);
});

afterAll(async () => {
  await Promise.allSettled(targets.map((t) => t.close()));
  for (const server of servers) server.close();
  await syslogNg?.cleanup();
  pki?.cleanup();
});

function target(input: Record<string, unknown>): Target {
  const config = syslogTargetSchema.parse({
    name: 'res',
    type: 'syslog',
    host: '127.0.0.1',
    protocol: 'tcp',
    ...input,
  });
  const built = buildSyslogTarget(config, { logger: silentLogger });
  targets.push(built);
  return built;
}

async function rejection(promise: Promise<unknown>): Promise<SendError> {
  const caught = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught).toBeInstanceOf(SendError);
  return caught as SendError;
}

/** A plain TCP peer: `onConnection` decides what it does with each client; `received` collects all bytes. */
async function tcpPeer(
  onConnection: (socket: Socket, index: number) => void = () => undefined,
  port?: number,
): Promise<{ port: number; received: Buffer[]; connections: number; server: Server }> {
  const peer = {
    port: port ?? (await freePort()),
    received: [] as Buffer[],
    connections: 0,
    server: undefined as unknown as Server,
  };
  peer.server = createServer((socket) => {
    peer.connections += 1;
    socket.on('data', (chunk: Buffer) => peer.received.push(chunk));
    socket.on('error', () => undefined);
    onConnection(socket, peer.connections);
  });
  servers.push(peer.server);
  await new Promise<void>((resolve) => peer.server.listen(peer.port, '127.0.0.1', resolve));
  return peer;
}

/** The job-level retry the queue does, modelled as a bounded loop: until sent, or attempts or time run out. */
async function sendWithRetry(
  t: Target,
  batch: RecordBatch,
  stats: { retries: number },
  deadline: number,
): Promise<void> {
  for (let attempt = 1; attempt <= 200; attempt += 1) {
    try {
      await t.send(batch, makeContext());
      return;
    } catch (error) {
      if (!(error instanceof SendError) || !error.retryable || Date.now() > deadline) throw error;
      stats.retries += 1;
      await sleep(25);
    }
  }
  throw new Error('attempts exhausted');
}

async function restartMidStream(
  source: SourceName,
  input: Record<string, unknown>,
  { total, pauseMs }: { total: number; pauseMs: number },
): Promise<void> {
  const t = target(input);
  const records = Array.from({ length: total }, (_, i) =>
    makeRecord({ id: `${source}-restart-${i}-${Date.now()}` }),
  );
  for (const record of records) record.body = JSON.stringify({ id: record.id });
  const batches: RecordBatch[] = [];
  for (let i = 0; i < total; i += 10) batches.push(makeBatch(records.slice(i, i + 10)));
  const stats = { retries: 0 };
  const deadline = Date.now() + 25_000;
  let next = 0;
  let done = 0;
  // Four concurrent "workers", like the queue's per-target concurrency, pacing batches so the stream outlasts the restart.
  const workers = Array.from({ length: 4 }, async () => {
    while (next < batches.length) {
      const batch = must(batches[next]);
      next += 1;
      await sendWithRetry(t, batch, stats, deadline);
      done += batch.records.length;
      if (pauseMs > 0) await sleep(pauseMs);
    }
  });
  const restart = (async () => {
    while (done < total / 3 && Date.now() < deadline) await sleep(5);
    await syslogNg.stop();
    await sleep(300);
    await syslogNg.start();
  })();
  await Promise.all([...workers, restart]);
  expect(done).toBe(total);
  const wanted = new Set(records.map((r) => r.id));
  const seen = new Map<string, number>();
  const count = (): number => {
    seen.clear();
    for (const m of syslogNg.read(source)) {
      const id = /"id":"([^"]+)"/.exec(m.msg)?.[1];
      if (id && wanted.has(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    return seen.size;
  };
  await syslogNg.waitFor(source, () => count() === total, 5_000);
  const missing = [...wanted].filter((id) => !seen.has(id));
  const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  console.log(
    `restart over ${source}: ${total} records, ${stats.retries} retried sends, ${duplicates} duplicates, ${missing.length} missing`,
  );
  expect(missing).toEqual([]);
  expect(stats.retries).toBeGreaterThan(0);
}

// Continuous writes (no pause between batches) are the hard case: with settleMs 0 the same test lost 10-2820 of 6000
// records in 5 of 6 runs, because bytes the kernel accepted were reset by the stopping receiver (docs/targets/syslog.md).
describe('receiver restart mid-stream loses nothing (at-least-once, duplicates counted)', () => {
  it('over TCP with octet counting', async () => {
    await restartMidStream('tcp', { port: syslogNg.ports.tcp }, { total: 1200, pauseMs: 0 });
  });

  it('over TLS', async () => {
    await restartMidStream(
      'tls',
      { protocol: 'tls', port: syslogNg.ports.tls, tls: { ca: pki.caFile } },
      { total: 1200, pauseMs: 0 },
    );
  });
});

describe('reconnect and resets', () => {
  it('a refused connection is a retryable network_error; the next send after the backoff reconnects', async () => {
    const port = await freePort();
    const t = target({ port });
    const error = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    const peer = await tcpPeer(undefined, port);
    const record = makeRecord();
    await t.send(makeBatch([record]), makeContext());
    await sleep(50);
    expect(parseOctetCounted(Buffer.concat(peer.received)).map((b) => b.toString())[0]).toContain(record.id);
  });

  it('a connection the peer closed while idle is replaced before the next write, not written into', async () => {
    const peer = await tcpPeer((socket, index) => {
      if (index === 1) socket.once('data', () => setTimeout(() => socket.end(), 120));
    });
    const t = target({ port: peer.port });
    await t.send(makeBatch([makeRecord()]), makeContext());
    await sleep(250);
    const second = makeRecord();
    await t.send(makeBatch([second]), makeContext());
    await sleep(50);
    expect(peer.connections).toBe(2);
    expect(Buffer.concat(peer.received).toString()).toContain(second.id);
  });

  it('a reset right after the write fails the send (retryable) instead of reporting success', async () => {
    const peer = await tcpPeer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const t = target({ port: peer.port, settleMs: 200 });
    const error = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
  });

  it('consecutive failed connects back off (100 ms doubling), bounded by the abort signal', async () => {
    const port = await freePort();
    const t = target({ port });
    const started = Date.now();
    for (let i = 0; i < 4; i += 1) await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    // Waits before attempts 2-4 are at least 50 + 100 + 200 ms (equal jitter halves each step at most).
    expect(Date.now() - started).toBeGreaterThanOrEqual(340);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await rejection(t.send(makeBatch([makeRecord()]), makeContext(controller.signal)));
    expect(error).toMatchObject({ code: 'target_closed', retryable: true });
  });
});

describe('timeouts, abort and close', () => {
  it('a TLS handshake that never completes is a retryable timeout', async () => {
    const peer = await tcpPeer();
    const t = target({ protocol: 'tls', port: peer.port, timeoutMs: 300, tls: { ca: pki.caFile } });
    const error = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('a peer that stops reading makes the write time out and the socket is dropped', async () => {
    const peer = await tcpPeer((socket) => socket.pause());
    const t = target({ port: peer.port, timeoutMs: 400 });
    const big = makeRecord({ body: 'x'.repeat(1_000_000) });
    const batch = makeBatch(Array.from({ length: 32 }, () => ({ ...big })));
    const error = await rejection(t.send(batch, makeContext()));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('an aborted signal rejects with a retryable error', async () => {
    const peer = await tcpPeer();
    const t = target({ port: peer.port });
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(t.send(makeBatch([makeRecord()]), makeContext(controller.signal)));
    expect(error.retryable).toBe(true);
  });

  it('close() ends gracefully: a send in its settle window completes, later sends fail retryably, no timers remain', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const t = buildSyslogTarget(
      syslogTargetSchema.parse({
        name: 'close',
        type: 'syslog',
        host: '127.0.0.1',
        protocol: 'tcp',
        port: syslogNg.ports.tcp,
        settleMs: 2_000,
      }),
      { logger: silentLogger },
    );
    const record = makeRecord();
    const sending = t.send(makeBatch([record]), makeContext());
    await sleep(50);
    const started = Date.now();
    await t.close();
    await sending;
    expect(Date.now() - started).toBeLessThan(1_500);
    const after = await rejection(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(after).toMatchObject({ code: 'target_closed', retryable: true });
    const got = await syslogNg.waitFor('tcp', (m) => m.some((x) => x.msg.includes(record.id)));
    expect(got.some((x) => x.msg.includes(record.id))).toBe(true);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(
      timersBefore,
    );
  });
});
