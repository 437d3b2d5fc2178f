// Runs the shared target contract for the syslog target (TLS, octet counting) against a scriptable Node syslog peer.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { syslogTargetSchema } from '../../../src/targets/syslog/config.js';
import { buildSyslogTarget } from '../../../src/targets/syslog/target.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { targetContract, type ContractBehaviour } from '../contract-suite.js';
import { SendError } from '../../../src/errors.js';
import { freePort } from '../../helpers/free-port.js';
import { makeBatch, makeContext, makeRecord, silentLogger } from './fixtures.js';

let pki: TestPki;
let server: Server;
let port = 0;
let behaviour: ContractBehaviour = 'ok';
const sockets = new Set<Socket>();
const ids: string[] = [];

/** Reads RFC 5425 frames from one TLS connection and stores the record id from each SD element. */
function serveSyslog(raw: Socket): void {
  const secure = new TLSSocket(raw, {
    isServer: true,
    secureContext: createSecureContext({
      key: readFileSync(pki.serverKeyFile),
      cert: readFileSync(pki.serverCertFile),
    }),
  });
  secure.on('error', () => raw.destroy());
  // The TLS wrapper owns the raw socket's handle; its 'close' is the connection's end.
  secure.on('close', () => {
    sockets.delete(raw);
    raw.destroy();
  });
  let pending = Buffer.alloc(0);
  secure.on('data', (chunk: Buffer) => {
    if (behaviour === 'fail-once') {
      // A transient failure: the collector drops the connection without reading (a restart, a crash).
      behaviour = 'ok';
      raw.resetAndDestroy();
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const space = pending.indexOf(0x20);
      if (space < 0) break;
      const length = Number(pending.subarray(0, space).toString('ascii'));
      if (pending.length < space + 1 + length) break;
      const message = pending.subarray(space + 1, space + 1 + length).toString('utf8');
      pending = pending.subarray(space + 1 + length);
      const id = /\[forwarder@32473 id="((?:[^"\\]|\\.)*)"\]/.exec(message)?.[1];
      if (id) ids.push(id);
    }
  });
}

targetContract('syslog (tls, octet counting)', {
  async start() {
    pki = makeTestPki();
    server = createServer((raw) => {
      sockets.add(raw);
      raw.on('close', () => sockets.delete(raw));
      raw.on('error', () => undefined);
      // 'hang': accept the TCP connection and never start TLS, so the handshake (the connect) must time out.
      // Reading (and discarding) in that case lets the peer see the client's FIN.
      if (behaviour !== 'hang') serveSyslog(raw);
      else raw.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
    return {
      behave: (next) => (behaviour = next),
      receivedIds: () => ids,
      openConnections: () => sockets.size,
    };
  },
  async stop() {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    pki.cleanup();
  },
  build: ({ timeoutMs }) =>
    buildSyslogTarget(
      syslogTargetSchema.parse({
        name: 'contract',
        type: 'syslog',
        host: '127.0.0.1',
        port,
        protocol: 'tls',
        tls: { ca: pki.caFile },
        timeoutMs,
      }),
      { logger: silentLogger },
    ),
  notApplicable: {
    'permanent failure':
      'a syslog stream has no refusal: the collector cannot reject a record (the one permanent case, a UDP datagram over maxMessageBytes, is tested in target.int.test.ts)',
    'retry-after': 'syslog has no Retry-After or any other wait hint from the collector',
  },
});

// The shared suite leaves out the cases declared not applicable; these name them and check what holds instead.
describe('target contract: syslog, cases that do not apply', () => {
  it('retry-after — not applicable: syslog has no wait hint, so no syslog error carries retryAfterMs', async () => {
    const target = buildSyslogTarget(
      syslogTargetSchema.parse({
        name: 'na',
        type: 'syslog',
        host: '127.0.0.1',
        port: await freePort(),
        protocol: 'tcp',
      }),
      { logger: silentLogger },
    );
    try {
      const error = await target.send(makeBatch([makeRecord()]), makeContext()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SendError);
      expect((error as SendError).retryAfterMs).toBeUndefined();
    } finally {
      await target.close();
    }
  });

  it('permanent failure — not applicable to a stream (a collector cannot refuse a record); UDP oversize is the one permanent case', async () => {
    const target = buildSyslogTarget(
      syslogTargetSchema.parse({
        name: 'na',
        type: 'syslog',
        host: '127.0.0.1',
        port: await freePort(),
        protocol: 'udp',
      }),
      { logger: silentLogger },
    );
    try {
      const error = await target
        .send(makeBatch([makeRecord({ body: 'x'.repeat(4000) })]), makeContext())
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toMatchObject({ code: 'record_too_large', retryable: false });
    } finally {
      await target.close();
    }
  });
});
