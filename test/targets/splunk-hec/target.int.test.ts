// Tests of the Splunk HEC target against the emulated HEC: envelopes, reply codes, indexer acknowledgement, batching.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { splunkHecTargetSchema } from '../../../src/targets/splunk-hec/config.js';
import { buildSplunkHecTarget } from '../../../src/targets/splunk-hec/target.js';
import type { Target } from '../../../src/targets/types.js';
import { documentIds } from '../../helpers/peers/collector-peer.js';
import { startSplunkHecPeer, type SplunkHecPeer } from '../../helpers/peers/splunk-hec-peer.js';
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

let peer: SplunkHecPeer;

function build(overrides: Record<string, unknown> = {}): Target {
  const config = splunkHecTargetSchema.parse({
    name: 's',
    type: 'splunk-hec',
    url: peer.url,
    token: peer.token,
    timeoutMs: 2_000,
    ...overrides,
  });
  return buildSplunkHecTarget(config, { logger: silentLogger });
}

beforeAll(async () => {
  peer = await startSplunkHecPeer();
});
afterAll(async () => {
  await peer.close();
});
beforeEach(() => {
  peer.behaviour = 'ok';
  peer.useAck = false;
  peer.ackMode = { kind: 'immediate' };
  peer.events.length = 0;
  peer.requests.length = 0;
  peer.ackPolls.length = 0;
  peer.acked.length = 0;
});

describe('splunk-hec envelopes', () => {
  it('sends concatenated envelopes with time, metadata and the document as event', async () => {
    const target = build({ index: 'snyk', source: 'snyk-webhook', sourcetype: '_json', host: 'fwd-1' });
    const records = jsonRecords(3);
    await target.send(batchOf(records), recordingContext().context);
    expect(peer.events).toHaveLength(3);
    const first = peer.events[0];
    expect(first).toMatchObject({
      index: 'snyk',
      source: 'snyk-webhook',
      sourcetype: '_json',
      host: 'fwd-1',
    });
    expect(first?.time).toBe(Date.parse(at(records, 0).time) / 1000);
    expect(first?.event).toEqual(JSON.parse(at(records, 0).body));
    expect(peer.requests[0]?.url).toBe('/services/collector/event');
    expect(peer.requests[0]?.headers['authorization']).toBe(`Splunk ${peer.token}`);
    await target.close();
  });

  it('cef lines travel as string events', async () => {
    const target = build({ format: 'cef' });
    const line = 'CEF:0|Snyk|Snyk|1.0|x|name|5|msg=hello';
    await target.send(
      batchOf([{ ...at(jsonRecords(1), 0), format: 'cef', body: line }]),
      recordingContext().context,
    );
    expect(peer.events[0]?.event).toBe(line);
    await target.close();
  });

  it('refuses an endpoint URL where the HEC base URL belongs', () => {
    expect(() =>
      splunkHecTargetSchema.parse({
        name: 's',
        type: 'splunk-hec',
        url: 'https://h:8088/services/collector/event',
        token: 't',
      }),
    ).toThrow(/base URL/);
  });

  it('splits batches by maxEvents and checkpoints each', async () => {
    const target = build({ batch: { maxEvents: 2 } });
    const rec = recordingContext();
    await target.send(batchOf(jsonRecords(5)), rec.context);
    expect(peer.requests.length).toBe(3);
    expect(rec.checkpoints.map((c) => c.length)).toEqual([2, 2, 1]);
    await target.close();
  });
});

describe('splunk-hec reply codes', () => {
  it('invalid token (403, code 4) is permanent and names the code, not the token', async () => {
    const target = build({ token: 'wrong-token-value' });
    const error = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HEC code 4 (Invalid token)');
    expect(error.message).not.toContain('wrong-token-value');
    await target.close();
  });

  it('server busy (503, code 9) is retryable; incorrect index (400, code 7) is permanent', async () => {
    const target = build();
    peer.behaviour = 'fail-once';
    const busy = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(busy.retryable).toBe(true);
    expect(busy.message).toContain('code 9');
    peer.behaviour = 'reject';
    const index = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(index.retryable).toBe(false);
    expect(index.message).toContain('code 7');
    await target.close();
  });

  it('a token with acks on needs the channel: without ack config the send fails with code 10', async () => {
    peer.useAck = true;
    const target = build();
    const error = await deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('code 10');
    await target.close();
  });
});

describe('splunk-hec indexer acknowledgement', () => {
  const ack = { enabled: true, pollIntervalMs: 10, timeoutMs: 1_000 };

  it('completes only after the ack reports true', async () => {
    peer.useAck = true;
    peer.ackMode = { kind: 'after-polls', polls: 3 };
    const target = build({ ack });
    const rec = recordingContext();
    await target.send(batchOf(jsonRecords(2)), rec.context);
    expect(peer.ackPolls.length).toBe(3);
    expect(peer.acked).toEqual([0]);
    expect(rec.checkpointed()).toEqual(['r0', 'r1']);
    const channel = peer.requests[0]?.headers['x-splunk-request-channel'];
    expect(channel).toMatch(/^[0-9a-f-]{36}$/);
    expect(peer.requests.at(-1)?.url).toBe(`/services/collector/ack?channel=${String(channel)}`);
    await target.close();
  });

  it('an ack that never comes fails retryably after bounded polling and checkpoints nothing', async () => {
    peer.useAck = true;
    peer.ackMode = { kind: 'never' };
    const target = build({ ack: { enabled: true, pollIntervalMs: 20, timeoutMs: 300 } });
    const rec = recordingContext();
    const started = Date.now();
    const error = await deliveryFailure(target.send(batchOf(jsonRecords(2)), rec.context));
    expect(error.retryable).toBe(true);
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(peer.ackPolls.length).toBeGreaterThan(3);
    expect(peer.ackPolls.length).toBeLessThanOrEqual(16);
    expect(rec.checkpointed()).toEqual([]);
    await target.close();
  });

  it('one channel per target instance, ackIds per request', async () => {
    peer.useAck = true;
    const target = build({ ack, batch: { maxEvents: 1 } });
    await target.send(batchOf(jsonRecords(3)), recordingContext().context);
    expect(peer.acked).toEqual([0, 1, 2]);
    const channels = new Set(peer.requests.map((r) => r.headers['x-splunk-request-channel']));
    expect(channels.size).toBe(1);
    await target.close();
  });

  it('ack enabled but the token has no acks: accepted on HTTP 200 (no ackId)', async () => {
    const target = build({ ack });
    await target.send(batchOf(jsonRecords(1)), recordingContext().context);
    expect(peer.ackPolls.length).toBe(0);
    expect(documentIds(peer.events.map((e) => e.event))).toEqual(['r0']);
    await target.close();
  });

  it('close during ack polling fails the send retryably at once', async () => {
    peer.useAck = true;
    peer.ackMode = { kind: 'never' };
    const target = build({ ack: { enabled: true, pollIntervalMs: 50, timeoutMs: 60_000 } });
    const pending = deliveryFailure(target.send(batchOf(jsonRecords(1)), recordingContext().context));
    await new Promise((r) => setTimeout(r, 120));
    const started = Date.now();
    await target.close();
    const error = await pending;
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('splunk-hec over TLS', () => {
  let certs: TestPki;
  let tlsPeer: SplunkHecPeer;
  beforeAll(async () => {
    certs = makeTestPki();
    tlsPeer = await startSplunkHecPeer({ tls: peerTls(certs), useAck: true });
  });
  afterAll(async () => {
    await tlsPeer.close();
    certs.cleanup();
  });

  it('delivers with acks over https with a custom CA; the wrong CA fails with tls_error', async () => {
    const config = (ca: string) =>
      splunkHecTargetSchema.parse({
        name: 's',
        type: 'splunk-hec',
        url: `https://localhost:${tlsPeer.port}`,
        token: tlsPeer.token,
        ack: { enabled: true, pollIntervalMs: 10 },
        tls: { ca },
      });
    const good = buildSplunkHecTarget(config(certs.caFile), { logger: silentLogger });
    await good.send(batchOf(jsonRecords(2, 'tls-')), recordingContext().context);
    expect(documentIds(tlsPeer.events.map((e) => e.event))).toEqual(['tls-0', 'tls-1']);
    await good.close();
    const bad = buildSplunkHecTarget(config(certs.otherCaFile), { logger: silentLogger });
    const error = await deliveryFailure(bad.send(batchOf(jsonRecords(1)), recordingContext().context));
    expect(error.code).toBe('tls_error');
    await bad.close();
  });
});
