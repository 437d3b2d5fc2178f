// The syslog target against a real syslog-ng: RFC 5424/3164 over TCP (octet counting and LF), TLS, UDP, and TLS failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { SendError } from '../../../src/errors.js';
import { syslogTargetSchema } from '../../../src/targets/syslog/config.js';
import { buildSyslogTarget } from '../../../src/targets/syslog/target.js';
import type { Target } from '../../../src/targets/types.js';
import { freePort } from '../../helpers/free-port.js';
import {
  startSyslogNg,
  type ParsedMessage,
  type SourceName,
  type TestSyslogNg,
} from '../../helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { makeBatch, makeContext, makeRecord, must, silentLogger } from './fixtures.js';

let pki: TestPki;
let syslogNg: TestSyslogNg;
const targets: Target[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  syslogNg = await startSyslogNg(pki);
});

afterAll(async () => {
  await Promise.allSettled(targets.map((t) => t.close()));
  await syslogNg?.cleanup();
  pki?.cleanup();
});

function target(input: Record<string, unknown>): Target {
  const config = syslogTargetSchema.parse({
    name: 'sng',
    type: 'syslog',
    host: '127.0.0.1',
    hostname: 'fwd-host',
    ...input,
  });
  const built = buildSyslogTarget(config, { logger: silentLogger });
  targets.push(built);
  return built;
}

async function expectDelivery(error: Promise<unknown>): Promise<SendError> {
  const caught = await error.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught).toBeInstanceOf(SendError);
  return caught as SendError;
}

function byIds(source: SourceName, ids: string[]): Promise<ParsedMessage[]> {
  const has = (messages: ParsedMessage[]): ParsedMessage[] =>
    messages.filter((m) => ids.some((id) => m.msg.includes(id)));
  return syslogNg.waitFor(source, (messages) => has(messages).length >= ids.length).then(has);
}

describe('RFC 5424 over TCP and TLS', () => {
  it('octet counting: syslog-ng parses PRI, HOSTNAME, APP-NAME, MSGID, SD and MSG', async () => {
    const t = target({ protocol: 'tcp', port: syslogNg.ports.tcp, framing: 'octet-counting' });
    const records = [
      makeRecord({ severity: 'critical' }),
      makeRecord({ severity: 'low', kind: 'summary' }),
      makeRecord({
        id: 'cef-1',
        severity: undefined,
        kind: 'generic',
        body: 'CEF:0|Snyk|Snyk|1.0|x|Multi\\nline|5|msg=a b=c externalId=cef-1',
      }),
    ];
    await t.send(makeBatch(records), makeContext());
    const got = await byIds(
      'tcp',
      records.map((r) => r.id),
    );
    expect(got).toHaveLength(3);
    const first = must(got.find((m) => m.msg.includes(must(records[0]).id)));
    expect(first).toMatchObject({
      pri: '130',
      host: 'fwd-host',
      program: 'snyk-siem-forwarder',
      msgid: 'finding',
    });
    expect(first.pid).toBe(String(process.pid));
    expect(first.sdata).toBe(`[forwarder@32473 id="${must(records[0]).id}"]`);
    expect(first.msg).toBe(must(records[0]).body);
    expect(first.date.startsWith('2026-11-26T21:04:05')).toBe(true);
    expect(got.find((m) => m.msg.includes(must(records[1]).id))).toMatchObject({
      pri: '133',
      msgid: 'summary',
    });
    const cef = got.find((m) => m.msg.includes(must(records[2]).id));
    expect(cef).toMatchObject({ pri: '134', msgid: 'generic', msg: must(records[2]).body });
  });

  it('LF framing (network() with flags(syslog-protocol))', async () => {
    const t = target({ protocol: 'tcp', port: syslogNg.ports.lf, framing: 'lf' });
    const records = [makeRecord({ severity: 'medium' }), makeRecord()];
    await t.send(makeBatch(records), makeContext());
    const got = await byIds(
      'lf',
      records.map((r) => r.id),
    );
    expect(got.map((m) => m.pri).sort()).toEqual(['131', '132']);
    expect(got.every((m) => m.host === 'fwd-host' && m.sdata.startsWith('[forwarder@32473'))).toBe(true);
  });

  it('a body with embedded LF under LF framing stays one message (no injected record)', async () => {
    const t = target({ protocol: 'tcp', port: syslogNg.ports.lf, framing: 'lf' });
    const marker = `inj-${Date.now()}`;
    const hostile = makeRecord({
      id: marker,
      body: `first ${marker}\n<11>1 2026-01-01T00:00:00Z evil evil - - - FORGED ${marker}\r\nend`,
    });
    const after = makeRecord();
    await t.send(makeBatch([hostile, after]), makeContext());
    await byIds('lf', [hostile.id, after.id]);
    const mentions = syslogNg.read('lf').filter((m) => m.msg.includes(marker));
    expect(mentions).toHaveLength(1);
    expect(must(mentions[0]).pri).toBe('131');
    expect(must(mentions[0]).host).toBe('fwd-host');
    expect(syslogNg.read('lf').some((m) => m.host === 'evil')).toBe(false);
  });

  it('TLS with a custom CA: RFC 5425 octet counting, certificate verified', async () => {
    const t = target({
      protocol: 'tls',
      port: syslogNg.ports.tls,
      tls: { ca: pki.caFile, servername: 'localhost' },
    });
    const records = Array.from({ length: 5 }, () => makeRecord());
    await t.send(makeBatch(records), makeContext());
    const got = await byIds(
      'tls',
      records.map((r) => r.id),
    );
    expect(got).toHaveLength(5);
    expect(got.every((m) => m.pri === '131')).toBe(true);
  });

  it('TLS with LF framing and mutual TLS (client certificate)', async () => {
    const t = target({
      protocol: 'tls',
      port: syslogNg.ports.tlsLf,
      framing: 'lf',
      tls: { ca: pki.caFile, cert: pki.clientCertFile, key: pki.clientKeyFile },
    });
    const records = [makeRecord(), makeRecord()];
    await t.send(makeBatch(records), makeContext());
    expect(
      await byIds(
        'tlsLf',
        records.map((r) => r.id),
      ),
    ).toHaveLength(2);
  });

  it('concurrent sends share one connection and their frames never interleave', async () => {
    const t = target({ protocol: 'tcp', port: syslogNg.ports.tcp });
    const batches = Array.from({ length: 20 }, () =>
      makeBatch(Array.from({ length: 10 }, () => makeRecord())),
    );
    const before = (syslogNg.internalLog().match(/Syslog connection accepted/g) ?? []).length;
    await Promise.all(batches.map((b) => t.send(b, makeContext())));
    const ids = batches.flatMap((b) => b.records.map((r) => r.id));
    const got = await byIds('tcp', ids);
    expect(got).toHaveLength(200);
    expect(got.every((m) => m.pri === '131' && m.host === 'fwd-host')).toBe(true);
    const after = (syslogNg.internalLog().match(/Syslog connection accepted/g) ?? []).length;
    expect(after - before).toBe(1);
  });
});

describe('RFC 3164', () => {
  it('is parsed by syslog-ng BSD parser: PRI, HOSTNAME, program, pid and MSG', async () => {
    const t = target({
      protocol: 'tcp',
      port: syslogNg.ports.bsd,
      framing: 'lf',
      rfc: 3164,
      hostname: 'web-1.prod.example',
    });
    const record = makeRecord({ id: `bsd-${Date.now()}`, severity: 'critical' });
    record.body = `CEF:0|Snyk|Snyk|1.0|SNYK-1|Prototype Pollution|10|externalId=${record.id}`;
    await t.send(makeBatch([record]), makeContext());
    const [got] = await byIds('bsd', [record.id]);
    expect(got).toMatchObject({
      pri: '130',
      host: 'web-1',
      program: 'snyk-siem-forwarder',
      pid: String(process.pid),
    });
    expect(must(got).msg).toBe(record.body);
  });
});

describe('UDP', () => {
  it('one message per datagram, parsed as RFC 5424', async () => {
    const t = target({ protocol: 'udp', port: syslogNg.ports.udp });
    const records = [makeRecord(), makeRecord({ severity: 'low' })];
    await t.send(makeBatch(records), makeContext());
    const got = await byIds(
      'udp',
      records.map((r) => r.id),
    );
    expect(got.map((m) => m.pri).sort()).toEqual(['131', '133']);
  });

  it('size rule "reject": an oversize record is refused for good, the others are sent and checkpointed', async () => {
    const t = target({ protocol: 'udp', port: syslogNg.ports.udp, maxMessageBytes: 1024 });
    const small = makeRecord();
    const big = makeRecord({ body: `${'x'.repeat(2000)}` });
    const context = makeContext();
    const error = await expectDelivery(t.send(makeBatch([small, big]), context));
    expect(error).toMatchObject({ code: 'record_too_large', retryable: false });
    expect(error.message).toContain(big.id);
    expect(context.checkpoints).toEqual([[small.id]]);
    await byIds('udp', [small.id]);
  });

  it('size rule "truncate": the message is cut at maxMessageBytes, header intact', async () => {
    const t = target({
      protocol: 'udp',
      port: syslogNg.ports.udp,
      maxMessageBytes: 600,
      udpOversize: 'truncate',
    });
    const record = makeRecord({ body: `${'é'.repeat(1000)}` });
    record.body = `${record.id} ${record.body}`;
    await t.send(makeBatch([record]), makeContext());
    const [got] = await byIds('udp', [record.id]);
    expect(must(got).host).toBe('fwd-host');
    expect(Buffer.byteLength(must(got).msg)).toBeLessThan(600);
    expect(must(got).msg.endsWith('é')).toBe(true);
  });
});

/** A TCP proxy in front of a peer that records every byte the client sent, per connection. */
async function recordingProxy(
  upstreamPort: number,
): Promise<{ port: number; connections: Buffer[][]; server: Server }> {
  const connections: Buffer[][] = [];
  const server = createServer((client: Socket) => {
    const chunks: Buffer[] = [];
    connections.push(chunks);
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    client.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, connections, server };
}

/** Splits bytes into TLS records (RFC 8446 §5.1); throws if anything is not a TLS record. */
function tlsRecordTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const type = must(bytes[at]);
    const major = must(bytes[at + 1]);
    if (type < 0x14 || type > 0x17 || major !== 0x03)
      throw new Error(`not a TLS record at ${at}: ${bytes.subarray(at, at + 5).toString('hex')}`);
    types.push(type);
    at += 5 + bytes.readUInt16BE(at + 3);
  }
  if (at !== bytes.length) throw new Error('trailing bytes after the last TLS record');
  return types;
}

describe('TLS failures never fall back to plaintext', () => {
  it('wrong CA: tls_error, and the wire carries only TLS records starting with a ClientHello, on every retry', async () => {
    const proxy = await recordingProxy(syslogNg.ports.tls);
    try {
      const t = target({
        protocol: 'tls',
        port: proxy.port,
        tls: { ca: pki.otherCaFile, servername: 'localhost' },
        timeoutMs: 3000,
      });
      const record = makeRecord({ body: 'SECRET-CLEARTEXT-CANARY' });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const error = await expectDelivery(t.send(makeBatch([record]), makeContext()));
        expect(error).toMatchObject({ code: 'tls_error', retryable: true });
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(proxy.connections.length).toBeGreaterThanOrEqual(2);
      for (const chunks of proxy.connections) {
        const bytes = Buffer.concat(chunks);
        expect(bytes[0]).toBe(0x16);
        expect(bytes[5]).toBe(0x01);
        expect(() => tlsRecordTypes(bytes)).not.toThrow();
        expect(bytes.includes(Buffer.from('CANARY'))).toBe(false);
        expect(bytes.includes(Buffer.from(record.id))).toBe(false);
      }
      expect(syslogNg.read('tls').some((m) => m.msg.includes('CANARY'))).toBe(false);
    } finally {
      proxy.server.close();
    }
  });

  it('no CA configured: the self-made CA is not trusted (verification on by default)', async () => {
    const t = target({ protocol: 'tls', port: syslogNg.ports.tls, timeoutMs: 3000 });
    const error = await expectDelivery(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(error).toMatchObject({ code: 'tls_error', retryable: true });
  });

  it('name mismatch: a certificate for localhost does not pass for another servername', async () => {
    const t = target({
      protocol: 'tls',
      port: syslogNg.ports.tls,
      tls: { ca: pki.caFile, servername: 'siem.example' },
    });
    const error = await expectDelivery(t.send(makeBatch([makeRecord()]), makeContext()));
    expect(error).toMatchObject({ code: 'tls_error', retryable: true });
    expect(error.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
