// Tests of the generic HTTP target against the emulated collector: encodings, gzip, batching, headers, retryOn, TLS, merging.
import { Writable } from 'node:stream';
import winston from 'winston';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpTargetSchema } from '../../../src/targets/http/config.js';
import { buildHttpTarget } from '../../../src/targets/http/target.js';
import type { Target } from '../../../src/targets/types.js';
import { documentIds, startCollectorPeer, type CollectorPeer } from '../../helpers/peers/collector-peer.js';
import {
  batchOf,
  jsonRecords,
  recordingContext,
  silentLogger,
  at,
  deliveryFailure,
} from '../../helpers/peers/records.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { peerTls } from '../../helpers/peers/tls.js';

let peer: CollectorPeer;
const SECRET = 'Bearer sup3r-s3cret-t0ken';

function build(overrides: Record<string, unknown> = {}, logger: winston.Logger = silentLogger): Target {
  const config = httpTargetSchema.parse({
    name: 'h',
    type: 'http',
    url: `${peer.url}/ingest`,
    timeoutMs: 2_000,
    ...overrides,
  });
  return buildHttpTarget(config, { logger });
}

beforeAll(async () => {
  peer = await startCollectorPeer();
});
afterAll(async () => {
  await peer.close();
});
beforeEach(() => {
  peer.behaviour = 'ok';
  peer.delayMs = 0;
  peer.documents.length = 0;
  peer.batches.length = 0;
  peer.requests.length = 0;
});

describe('http target encodings', () => {
  it('ndjson embeds json documents as JSON, one per line', async () => {
    const target = build();
    const records = jsonRecords(3);
    await target.send(batchOf(records), recordingContext().context);
    expect(peer.documents).toEqual(records.map((r) => JSON.parse(r.body) as unknown));
    expect(peer.requests[0]?.headers['content-type']).toBe('application/x-ndjson');
    await target.close();
  });

  it('json-array sends one array per request', async () => {
    const target = build({ encoding: 'json-array' });
    const records = jsonRecords(4);
    await target.send(batchOf(records), recordingContext().context);
    expect(peer.batches).toEqual([records.map((r) => JSON.parse(r.body) as unknown)]);
    expect(peer.requests[0]?.headers['content-type']).toBe('application/json');
    expect(peer.requests[0]?.body.toString().startsWith('[{')).toBe(true);
    await target.close();
  });

  it('cef lines become JSON strings in both encodings', async () => {
    const line = 'CEF:0|Snyk|Snyk|1.0|issue|Prototype \\| pollution|8|src=10.0.0.1 msg=a\\=b "quoted"';
    const records = [{ ...at(jsonRecords(1), 0), format: 'cef' as const, body: line }];
    for (const encoding of ['ndjson', 'json-array']) {
      peer.documents.length = 0;
      const target = build({ encoding, format: 'cef' });
      await target.send(batchOf(records), recordingContext().context);
      expect(peer.documents).toEqual([line]);
      await target.close();
    }
  });

  it('gzip: the collector gunzips to the same documents', async () => {
    const target = build({ gzip: true });
    const records = jsonRecords(50);
    await target.send(batchOf(records), recordingContext().context);
    expect(peer.requests[0]?.headers['content-encoding']).toBe('gzip');
    expect(documentIds(peer.documents)).toEqual(records.map((r) => r.id));
    await target.close();
  });
});

describe('http target batching', () => {
  it('splits by maxEvents and checkpoints after each request', async () => {
    const target = build({ batch: { maxEvents: 4 } });
    const records = jsonRecords(10);
    const rec = recordingContext();
    await target.send(batchOf(records), rec.context);
    expect(peer.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(rec.checkpoints).toEqual([
      ['r0', 'r1', 'r2', 'r3'],
      ['r4', 'r5', 'r6', 'r7'],
      ['r8', 'r9'],
    ]);
    await target.close();
  });

  it('splits by maxBytes (uncompressed body size)', async () => {
    const target = build({ batch: { maxBytes: 1_024 } });
    const records = jsonRecords(30);
    await target.send(batchOf(records), recordingContext().context);
    expect(peer.batches.length).toBeGreaterThan(1);
    for (const request of peer.requests) expect(request.body.length).toBeLessThanOrEqual(1_024);
    expect(documentIds(peer.documents)).toEqual(records.map((r) => r.id));
    await target.close();
  });

  it('a failing request stops the job; the retry (without checkpointed ids) sends only the rest', async () => {
    const target = build({ batch: { maxEvents: 3 } });
    const records = jsonRecords(9);
    const rec = recordingContext();
    peer.script.push('ok', 'fail-once');
    const error = await deliveryFailure(target.send(batchOf(records), rec.context));
    expect(error.retryable).toBe(true);
    expect(peer.requests.length).toBe(2);
    const done = new Set(rec.checkpointed());
    const retry = records.filter((r) => !done.has(r.id));
    expect(retry.map((r) => r.id)).toEqual(['r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    await target.send(batchOf(retry), rec.context);
    expect(documentIds(peer.documents)).toEqual(records.map((r) => r.id));
    await target.close();
  });

  it('maxWaitMs merges concurrent jobs into one request', async () => {
    const target = build({ batch: { maxWaitMs: 50 } });
    const contexts = [recordingContext(), recordingContext(), recordingContext()];
    await Promise.all(contexts.map((rec, i) => target.send(batchOf(jsonRecords(2, `j${i}-`)), rec.context)));
    expect(peer.requests.length).toBe(1);
    expect(peer.documents.length).toBe(6);
    expect(contexts.map((rec) => rec.checkpointed())).toEqual([
      ['j0-0', 'j0-1'],
      ['j1-0', 'j1-1'],
      ['j2-0', 'j2-1'],
    ]);
    await target.close();
  });
});

describe('http target headers, retryOn and secrets', () => {
  it('sends configured headers and the method', async () => {
    const target = build({ method: 'PUT', headers: { Authorization: SECRET, 'X-Sumo-Category': 'snyk' } });
    await target.send(batchOf(jsonRecords(1)), recordingContext().context);
    const request = peer.requests[0];
    expect(request?.method).toBe('PUT');
    expect(request?.headers['authorization']).toBe(SECRET);
    expect(request?.headers['x-sumo-category']).toBe('snyk');
    await target.close();
  });

  it('retryOn replaces the default list', async () => {
    const target = build({ retryOn: [400] });
    peer.behaviour = 'reject';
    expect(
      (await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context))).retryable,
    ).toBe(true);
    peer.behaviour = 'fail-once';
    expect(
      (await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context))).retryable,
    ).toBe(false);
    await target.close();
  });

  it('a slow answer within timeoutMs is delivered; a slower one times out (and is not waited for)', async () => {
    const target = build({ timeoutMs: 400 });
    peer.delayMs = 150;
    await target.send(batchOf(jsonRecords(1, 'slow-')), recordingContext().context);
    peer.delayMs = 2_000;
    const started = Date.now();
    const error = await deliveryFailure(
      target.send(batchOf(jsonRecords(1, 'slower-')), recordingContext().context),
    );
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_000);
    await target.close();
  });

  it('a reset connection is a retryable network_error', async () => {
    const target = build();
    peer.behaviour = 'reset';
    const error = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(error.code).toBe('network_error');
    expect(error.retryable).toBe(true);
    await target.close();
  });

  it('never puts the Authorization value in logs or error messages', async () => {
    const lines: string[] = [];
    const capture = new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const logger = winston.createLogger({ level: 'debug', transports: [capture] });
    const target = build({ headers: { Authorization: SECRET }, tls: undefined }, logger);
    for (const behaviour of ['reject', 'fail-once', 'throttle', 'reset'] as const) {
      peer.behaviour = behaviour;
      const error = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
      expect(error.message).not.toContain('s3cret');
    }
    expect(lines.join('\n')).not.toContain('s3cret');
    await target.close();
  });

  it('redacts configured secrets from response excerpts (a proxy echoing the request)', async () => {
    const { responseExcerpt, secretHeaderValues } = await import('../../../src/targets/shared/http-body.js');
    const secrets = secretHeaderValues({ Authorization: SECRET, 'X-Other': 'visible' });
    expect(responseExcerpt(`you sent Authorization: ${SECRET}; token=sup3r-s3cret-t0ken`, secrets)).toBe(
      'you sent Authorization: [redacted]; token=[redacted]',
    );
  });

  it('config refuses framing headers, credentials in the URL and tls on http://', () => {
    const bad = [
      { headers: { 'Content-Length': '1' } },
      { url: 'https://user:pw@collector.example/ingest' },
      { url: 'ftp://collector.example' },
      { url: 'http://collector.example', tls: { ca: '/tmp/ca.pem' } },
      { headers: { 'X-Evil': 'a\r\nb' } },
    ];
    for (const overrides of bad) {
      const result = httpTargetSchema.safeParse({
        name: 'h',
        type: 'http',
        url: 'https://collector.example',
        ...overrides,
      });
      expect(result.success).toBe(false);
    }
  });
});

describe('http target over TLS', () => {
  let certs: TestPki;
  let tlsPeer: CollectorPeer;
  beforeAll(async () => {
    certs = makeTestPki();
    tlsPeer = await startCollectorPeer({ tls: peerTls(certs) });
  });
  afterAll(async () => {
    await tlsPeer.close();
    certs.cleanup();
  });

  it('delivers with a custom CA', async () => {
    const target = buildHttpTarget(
      httpTargetSchema.parse({
        name: 'h',
        type: 'http',
        url: `${tlsPeer.url}/ingest`,
        tls: { ca: certs.caFile },
      }),
      { logger: silentLogger },
    );
    await target.send(batchOf(jsonRecords(2, 'tls-')), recordingContext().context);
    expect(documentIds(tlsPeer.documents)).toEqual(['tls-0', 'tls-1']);
    await target.close();
  });

  it('fails with a retryable tls_error against the wrong CA; nothing reaches the collector', async () => {
    const before = tlsPeer.requests.length;
    const target = buildHttpTarget(
      httpTargetSchema.parse({
        name: 'h',
        type: 'http',
        url: `${tlsPeer.url}/ingest`,
        tls: { ca: certs.otherCaFile },
      }),
      { logger: silentLogger },
    );
    const error = await deliveryFailure(
      target.send(batchOf(jsonRecords(2, 'bad-')), recordingContext().context),
    );
    expect(error.code).toBe('tls_error');
    expect(error.retryable).toBe(true);
    expect(tlsPeer.requests.length).toBe(before);
    await target.close();
  });
});

describe('http target with mutual TLS', () => {
  let pki: TestPki;
  let mtlsPeer: CollectorPeer;
  beforeAll(async () => {
    pki = makeTestPki();
    mtlsPeer = await startCollectorPeer({ tls: peerTls(pki, { requireClientCert: true }) });
  });
  afterAll(async () => {
    await mtlsPeer.close();
    pki.cleanup();
  });

  it('presents the client certificate; without one the handshake fails with tls_error', async () => {
    const config = (tls: Record<string, string>) =>
      httpTargetSchema.parse({
        name: 'h',
        type: 'http',
        url: `${mtlsPeer.url}/ingest`,
        timeoutMs: 2_000,
        tls,
      });
    const withCert = buildHttpTarget(
      config({ ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile }),
      {
        logger: silentLogger,
      },
    );
    await withCert.send(batchOf(jsonRecords(1, 'mtls-')), recordingContext().context);
    expect(documentIds(mtlsPeer.documents)).toEqual(['mtls-0']);
    await withCert.close();

    const without = buildHttpTarget(config({ ca: pki.caFile }), { logger: silentLogger });
    const error = await deliveryFailure(
      without.send(batchOf(jsonRecords(1, 'anon-')), recordingContext().context),
    );
    expect(error.retryable).toBe(true);
    expect(error.code).toBe('tls_error');
    expect(documentIds(mtlsPeer.documents)).toEqual(['mtls-0']);
    await without.close();
  });
});
