// Hostile inputs against a real forwarder: the answer, what was enqueued, memory and probe latency, as a table in the docs.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { signBody } from '../../src/receiver/verify-signature.js';
import { TEST_SECRET, useForwarder, waitFor } from '../helpers/forwarder.js';
import { markdownTable, writeGeneratedSection } from '../helpers/generated-doc.js';
import { fixture, freshSnapshot, postWebhook, type PostOptions } from '../helpers/webhook.js';
import { collectGarbage, MIB, rssMiB, sampleRss } from './memory.js';
import {
  chunk,
  getOnce,
  jsonBodyOf,
  LAST_CHUNK,
  openRaw,
  postHead,
  sleep,
  type RawConnection,
} from './raw-client.js';

/** Small timeouts and a low connection cap keep the slow and idle cases cheap; body limits are the defaults. */
const REQUEST_TIMEOUT_MS = 3000;
const MAX_CONNECTIONS = 100;
const fx = useForwarder({
  config: { receiver: { requestTimeoutMs: REQUEST_TIMEOUT_MS, maxConnections: MAX_CONNECTIONS } },
});

/** Generous bounds: a loaded machine must not be mistaken for a hung receiver. */
const PROBE_BOUND_MS = 2000;
const ANSWER_BOUND_MS = 30_000;
const FATE_BOUND_MS = 30_000;

const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');
const rows: string[][] = [];
let ingest: Queue;

beforeAll(() => {
  ingest = new Queue('ingest', {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: fx.forwarder.prefix,
  });
});
afterAll(async () => {
  await ingest?.close();
});

/** Every ingest job in Redis, in any state. */
async function ingestJobs(): Promise<number> {
  const counts = await ingest.getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** What became of an accepted delivery's ingest job, within a bound: completed, or failed with its reason. */
async function fateOf(deliveryId: string): Promise<string> {
  let last = 'not found';
  await waitFor(
    async () => {
      const job = await ingest.getJob(deliveryId);
      if (!job) return false;
      const state = await job.getState();
      last = state === 'failed' || job.failedReason ? `${state}: ${job.failedReason}` : state;
      return state === 'completed' || state === 'failed';
    },
    FATE_BOUND_MS,
    `the ingest job ${deliveryId} to finish`,
  ).catch(() => undefined);
  return last.length > 160 ? `${last.slice(0, 157)}...` : last;
}

interface Measured<T> {
  result: T;
  rssDeltaMiB: number;
  probeWorstMs: number;
  probesWithin100Ms: string;
}

/** Runs one case while sampling RSS and asking /healthz every 100 ms on fresh connections. */
async function measured<T>(run: () => Promise<T>): Promise<Measured<T>> {
  collectGarbage();
  const before = rssMiB();
  const sampler = sampleRss();
  const latencies: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const probe = await getOnce(`${fx.forwarder.url}/healthz`, PROBE_BOUND_MS * 5);
      latencies.push(probe.status === 200 ? probe.ms : Number.POSITIVE_INFINITY);
      await sleep(100);
    }
  })();
  let result: T;
  try {
    result = await run();
  } finally {
    probing = false;
  }
  // The first probe was sent as the case started; its answer counts even when the case ended first.
  await prober;
  return {
    result,
    rssDeltaMiB: sampler.stop() - before,
    probeWorstMs: Math.max(0, ...latencies),
    probesWithin100Ms: `${latencies.filter((ms) => ms <= 100).length}/${latencies.length}`,
  };
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'no answer');

/** Posts, and records the answer and the enqueued count; the caller states what the row must show. */
async function signatureCase(name: string, body: Buffer | string, options: PostOptions): Promise<void> {
  const before = await ingestJobs();
  const answer = await postWebhook(fx.forwarder.webhookUrl, body, options);
  const enqueued = (await ingestJobs()) - before;
  rows.push([name, `${answer.status} ${String(answer.body.error)}`, String(enqueued), '—', '—', '—']);
  expect(answer.status).toBe(401);
  expect(enqueued).toBe(0);
}

/** Sends a raw request (head, then body pieces) as a client that reads only once it has sent everything. */
async function rawExchange(head: string, pieces: Buffer[], endWith?: string): Promise<RawConnection> {
  const connection = await openRaw(fx.forwarder.url);
  connection.socket.pause();
  await connection.write(head);
  for (const piece of pieces) if (!(await connection.write(piece))) break;
  if (endWith !== undefined) await connection.write(endWith);
  connection.socket.resume();
  await Promise.race([connection.closed, connection.status, sleep(ANSWER_BOUND_MS)]);
  return connection;
}

const answerOf = (connection: RawConnection): string => {
  const code = /^HTTP\/1\.1 (\d{3})/.exec(connection.received())?.[1];
  const error = jsonBodyOf(connection.received())?.error;
  return code === undefined ? 'no answer' : `${code}${error === undefined ? '' : ` ${String(error)}`}`;
};

describe('hostile input', { timeout: 120_000 }, () => {
  const path = () => new URL(fx.forwarder.webhookUrl).pathname;

  it('rejects every bad signature with 401 and enqueues nothing', async () => {
    const signature = signBody(snapshot, TEST_SECRET);
    await signatureCase('signature missing', snapshot, { signature: null });
    await signatureCase('signature wrong (random digest)', snapshot, {
      signature: `sha256=${randomBytes(32).toString('hex')}`,
    });
    await signatureCase('signature of another body', snapshot, {
      signature: signBody('{"org":{}}', TEST_SECRET),
    });
    await signatureCase('signature hex truncated (63 digits)', snapshot, {
      signature: signature.slice(0, -1),
    });
    await signatureCase('signature not hex', snapshot, { signature: `sha256=${'g'.repeat(64)}` });
    await signatureCase(
      'valid signature, body padded with whitespace',
      Buffer.concat([snapshot, Buffer.from(' \n')]),
      {
        signature,
      },
    );

    // Two X-Hub-Signature lines, both valid: Node joins them (", "), which is no signature of this body.
    const before = await ingestJobs();
    const connection = await rawExchange(
      postHead(path(), {
        'Content-Type': 'application/json',
        'Content-Length': String(snapshot.length),
        'X-Snyk-Event': 'project_snapshot/v0',
        'X-Hub-Signature': [signature, signature],
      }),
      [snapshot],
    );
    await connection.status;
    connection.destroy();
    const enqueued = (await ingestJobs()) - before;
    rows.push([
      'signature header sent twice (both valid)',
      answerOf(connection),
      String(enqueued),
      '—',
      '—',
      '—',
    ]);
    expect(answerOf(connection)).toBe('401 invalid_signature');
    expect(enqueued).toBe(0);
  });

  it('refuses 50 MiB bodies with 413, with or without a length, in bounded memory', async () => {
    const fifty = 50 * MIB;
    const piece = Buffer.alloc(MIB, 0x20);
    const before = await ingestJobs();
    const withLength = await measured(async () => {
      const started = performance.now();
      const connection = await rawExchange(
        postHead(path(), { 'Content-Type': 'application/json', 'Content-Length': String(fifty) }),
        Array.from({ length: 50 }, () => piece),
      );
      await connection.closed;
      return { connection, ms: performance.now() - started };
    });
    const framed = chunk(piece);
    const chunked = await measured(async () => {
      const started = performance.now();
      const connection = await rawExchange(
        postHead(path(), { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
        Array.from({ length: 50 }, () => framed),
        LAST_CHUNK,
      );
      await connection.closed;
      return { connection, ms: performance.now() - started };
    });
    const enqueued = (await ingestJobs()) - before;
    for (const [name, m] of [
      ['body of 50 MiB, Content-Length', withLength],
      ['body of 50 MiB, chunked', chunked],
    ] as const) {
      rows.push([
        name,
        answerOf(m.result.connection),
        '0',
        `upload and close in ${fmt(m.result.ms)}`,
        `+${m.rssDeltaMiB.toFixed(0)} MiB`,
        `${fmt(m.probeWorstMs)} (${m.probesWithin100Ms} within 100 ms)`,
      ]);
      expect(answerOf(m.result.connection)).toBe('413 body_too_large');
      expect(m.probeWorstMs).toBeLessThan(PROBE_BOUND_MS);
      // At most one body of the largest accepted size (32 MiB) is buffered, plus generous room for churn.
      expect(m.rssDeltaMiB).toBeLessThan(32 + 96);
    }
    expect(enqueued).toBe(0);
  });

  it('cuts off a chunked body that never ends at receiver.requestTimeoutMs', async () => {
    const before = await ingestJobs();
    const m = await measured(async () => {
      const connection = await openRaw(fx.forwarder.url);
      await connection.write(
        postHead(path(), { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
      );
      await connection.write(chunk(Buffer.alloc(MIB, 0x20)));
      // Then nothing: no further chunk, no last chunk.
      const closed = await Promise.race([connection.closed, sleep(ANSWER_BOUND_MS).then(() => undefined)]);
      connection.destroy();
      return { connection, ms: closed?.afterMs ?? Number.POSITIVE_INFINITY };
    });
    const enqueued = (await ingestJobs()) - before;
    rows.push([
      'chunked body that stops before its last chunk',
      answerOf(m.result.connection),
      String(enqueued),
      `closed after ${fmt(m.result.ms)} (requestTimeoutMs ${REQUEST_TIMEOUT_MS})`,
      `+${m.rssDeltaMiB.toFixed(0)} MiB`,
      `${fmt(m.probeWorstMs)} (${m.probesWithin100Ms} within 100 ms)`,
    ]);
    expect(answerOf(m.result.connection)).toBe('408');
    expect(m.result.ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(m.result.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 5000);
    expect(m.probeWorstMs).toBeLessThan(PROBE_BOUND_MS);
    expect(enqueued).toBe(0);
  });

  it('answers correctly signed but strange bodies with a clear 4xx, or accepts them and says what became of them', async () => {
    const depth = 100_000;
    const sample = snapshot.toString('utf8');
    // Each strange part sits inside a real snapshot, so the ingest worker meets it where it reads.
    const deep = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const cases: Array<{
      name: string;
      body: Buffer;
      options?: PostOptions;
      expected: number;
      inspect?: () => Promise<string>;
    }> = [
      {
        name: `JSON nested ${depth.toLocaleString('en-US')} levels deep (extra key of the project), signed`,
        body: Buffer.from(sample.replace('{"project":{', `{"project":{"deep":${deep},`)),
        expected: 202,
      },
      {
        name: `JSON nested ${depth.toLocaleString('en-US')} levels deep (as removedIssues), signed`,
        body: Buffer.from(sample.replace('"removedIssues":[]', `"removedIssues":[${deep}]`)),
        expected: 202,
      },
      {
        name: 'array of 1,000,000 elements as the body, signed',
        body: Buffer.from(`[${'0,'.repeat(999_999)}0]`),
        expected: 400,
      },
      {
        name: 'array of 1,000,000 elements as removedIssues, signed',
        body: Buffer.from(sample.replace('"removedIssues":[]', `"removedIssues":[${'0,'.repeat(999_999)}0]`)),
        expected: 202,
      },
      {
        name: 'invalid UTF-8 in the project name, signed',
        body: Buffer.concat(
          sample
            .split('snyk/juice-shop:')
            .map((part, index) =>
              index === 0 ? [Buffer.from(part)] : [Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(part)],
            )
            .flat(),
        ),
        expected: 202,
        options: { transportId: 'hostile-invalid-utf8' },
        // What the SIEM gets: the project name as written to the file target.
        inspect: async () => {
          const record = await waitFor(
            () => fx.forwarder.records().find((r) => r.transport_id === 'hostile-invalid-utf8'),
            FATE_BOUND_MS,
            'the records of the invalid UTF-8 delivery',
          ).catch(() => undefined);
          const name = String(record?.project_name ?? '');
          return name.includes('\uFFFD')
            ? 'records name the project with U+FFFD in place of the invalid bytes'
            : `records name the project ${JSON.stringify(name)}`;
        },
      },
      {
        name: 'Content-Type text/plain, signed sample',
        body: snapshot,
        options: { headers: { 'Content-Type': 'text/plain' } },
        expected: 202,
      },
    ];
    for (const testCase of cases) {
      const before = await ingestJobs();
      const m = await measured(() =>
        postWebhook(fx.forwarder.webhookUrl, testCase.body, testCase.options ?? {}),
      );
      const answer = m.result;
      const enqueued = (await ingestJobs()) - before;
      let fate = answer.status === 202 ? await fateOf(String(answer.body.deliveryId)) : '—';
      if (testCase.inspect) fate = `${fate}; ${await testCase.inspect()}`;
      rows.push([
        testCase.name,
        `${answer.status} ${String(answer.body.error ?? answer.body.status)}`,
        String(enqueued),
        fate,
        `+${m.rssDeltaMiB.toFixed(0)} MiB`,
        `${fmt(m.probeWorstMs)} (${m.probesWithin100Ms} within 100 ms)`,
      ]);
      expect(answer.status, testCase.name).toBe(testCase.expected);
      expect(enqueued, testCase.name).toBe(answer.status === 202 ? 1 : 0);
      expect(m.probeWorstMs, testCase.name).toBeLessThan(PROBE_BOUND_MS);
      expect(m.rssDeltaMiB, testCase.name).toBeLessThan(256);
      // Accepted means stored whole: the job finished one way or the other, and was not left half-done.
      if (answer.status === 202) expect(fate, testCase.name).toMatch(/^(completed|failed)/);
    }
  });

  it('cuts off headers and bodies sent a byte a second, close to their timeouts', async () => {
    const body = Buffer.from('{"org":{"name":"slow"}}');
    const head = postHead(path(), {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'X-Hub-Signature': signBody(body, TEST_SECRET),
      'X-Snyk-Event': 'project_snapshot/v0',
    });
    const trickle = async (bytes: Buffer, prefix?: string) => {
      const connection = await openRaw(fx.forwarder.url);
      if (prefix !== undefined) await connection.write(prefix);
      for (let i = 0; i < bytes.length && !connection.isClosed(); i += 1) {
        if (performance.now() - connection.openedAt > ANSWER_BOUND_MS) break;
        await connection.write(bytes.subarray(i, i + 1));
        await Promise.race([sleep(1000), connection.closed]);
      }
      connection.destroy();
      return { connection, ms: (await connection.closed).afterMs };
    };
    const before = await ingestJobs();
    const [headers, slowBody] = await Promise.all([trickle(Buffer.from(head)), trickle(body, head)]);
    const enqueued = (await ingestJobs()) - before;
    const headersTimeout = Math.min(REQUEST_TIMEOUT_MS, 20_000);
    rows.push([
      'headers at one byte a second',
      answerOf(headers.connection),
      '0',
      `closed after ${fmt(headers.ms)} (headers timeout ${headersTimeout} ms)`,
      '—',
      '—',
    ]);
    rows.push([
      'body at one byte a second',
      answerOf(slowBody.connection),
      '0',
      `closed after ${fmt(slowBody.ms)} (requestTimeoutMs ${REQUEST_TIMEOUT_MS})`,
      '—',
      '—',
    ]);
    expect(answerOf(headers.connection)).toBe('408');
    expect(answerOf(slowBody.connection)).toBe('408');
    expect(headers.ms).toBeLessThan(headersTimeout + 5000);
    expect(slowBody.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 5000);
    expect(enqueued).toBe(0);
  });

  it('keeps answering webhooks and probes with 2,000 idle connections open', async () => {
    const idle: RawConnection[] = [];
    const started = performance.now();
    try {
      for (let i = 0; i < 2000; i += 1) idle.push(await openRaw(fx.forwarder.url));
      const openedMs = performance.now() - started;
      const before = await ingestJobs();
      const legit = await postWebhook(
        fx.forwarder.webhookUrl,
        freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
      );
      const health = await getOnce(`${fx.forwarder.url}/healthz`);
      const ready = await getOnce(`${fx.forwarder.url}/readyz`);
      const enqueued = (await ingestJobs()) - before;
      await waitFor(
        () => idle.filter((c) => c.isClosed()).length >= 2000 - MAX_CONNECTIONS,
        20_000,
        'shedding',
      );
      const shed = idle.filter((c) => c.isClosed()).length;
      const closed = idle.map((c, index) => (c.isClosed() ? index : -1)).filter((index) => index >= 0);
      const open = idle.map((c, index) => (c.isClosed() ? -1 : index)).filter((index) => index >= 0);
      rows.push([
        `2,000 idle connections (maxConnections ${MAX_CONNECTIONS}), then a signed webhook and the probes`,
        `${legit.status}; /healthz ${health.status} in ${fmt(health.ms)}; /readyz ${ready.status} in ${fmt(ready.ms)}`,
        String(enqueued),
        `${shed} idle connections closed, oldest first (opened in ${fmt(openedMs)})`,
        '—',
        '—',
      ]);
      expect(legit.status).toBe(202);
      expect(health.status).toBe(200);
      expect(ready.status).toBe(200);
      expect(health.ms).toBeLessThan(PROBE_BOUND_MS);
      expect(enqueued).toBe(1);
      expect(Math.max(...closed)).toBeLessThan(Math.min(...open, idle.length));
    } finally {
      for (const connection of idle) connection.destroy();
    }
  });

  it('writes the table into docs/reliability.md', () => {
    expect(rows).toHaveLength(19);
    writeGeneratedSection(
      'hostile',
      [
        `Measured by \`test/receiver/hostile-input.int.test.ts\` against an in-process forwarder (real Redis) with the default`,
        `body limits (maxBodyBytes 32 MiB, unverifiedBodyBudgetBytes 64 MiB), requestTimeoutMs ${REQUEST_TIMEOUT_MS} and`,
        `maxConnections ${MAX_CONNECTIONS}. "Enqueued" counts ingest jobs in Redis before and after; "RSS" is the peak growth of`,
        'the whole test process while the case ran; "/healthz" is the slowest of the probes sent every 100 ms meanwhile,',
        'each on a new connection.',
        '',
        markdownTable(['Input', 'Answer', 'Enqueued', 'Then', 'RSS', '/healthz meanwhile'], rows),
      ].join('\n'),
    );
  });
});
