// Tests of the one-request helper against local servers: gzip, response cap, no redirects, resets, TLS with a custom CA.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySocketError } from '../../../src/targets/shared/classify-socket.js';
import { createHttpAgent, describeUrl, httpRequest } from '../../../src/targets/shared/http-request.js';
import { startCollectorPeer, type CollectorPeer } from '../../helpers/peers/collector-peer.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { peerTls } from '../../helpers/peers/tls.js';

let server: http.Server;
let base: string;
const bodies: Buffer[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      if (req.url === '/big') {
        res.writeHead(200);
        res.end('x'.repeat(3_000_000));
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else if (req.url === '/reset') {
        req.socket.destroy();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`got ${body.length}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('httpRequest', () => {
  it('gzips the body and sets Content-Encoding', async () => {
    const agent = createHttpAgent(new URL(base), undefined);
    const response = await httpRequest({
      url: new URL(`${base}/in`),
      agent,
      body: 'hello '.repeat(100),
      gzip: true,
      timeoutMs: 2_000,
    });
    expect(response.status).toBe(200);
    expect(bodies.at(-1)?.toString()).toBe('hello '.repeat(100));
    agent.destroy();
  });

  it('caps the response body it keeps', async () => {
    const agent = createHttpAgent(new URL(base), undefined);
    const response = await httpRequest({
      url: new URL(`${base}/big`),
      agent,
      timeoutMs: 5_000,
      maxResponseBytes: 1_000,
    });
    expect(response.body.length).toBe(1_000);
    expect(response.truncated).toBe(true);
    agent.destroy();
  });

  it('returns a redirect instead of following it', async () => {
    const agent = createHttpAgent(new URL(base), undefined);
    const response = await httpRequest({ url: new URL(`${base}/redirect`), agent, timeoutMs: 2_000 });
    expect(response.status).toBe(302);
    agent.destroy();
  });

  it('rejects on a reset with an error classified network_error', async () => {
    const agent = createHttpAgent(new URL(base), undefined);
    const error = await httpRequest({ url: new URL(`${base}/reset`), agent, timeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    expect(classifySocketError(error, 'x').code).toBe('network_error');
    agent.destroy();
  });

  it('honours an already aborted signal without connecting', async () => {
    const agent = createHttpAgent(new URL(base), undefined);
    const before = bodies.length;
    const error = await httpRequest({
      url: new URL(`${base}/in`),
      agent,
      timeoutMs: 2_000,
      signal: AbortSignal.abort(),
    }).catch((e: unknown) => e);
    expect(classifySocketError(error, 'x').code).toBe('target_closed');
    expect(bodies.length).toBe(before);
    agent.destroy();
  });

  it('describeUrl keeps only the origin', () => {
    expect(describeUrl(new URL('https://user:pw@h.example:8443/v1/noformat/SECRET?token=x'))).toBe(
      'https://h.example:8443',
    );
  });
});

describe('httpRequest over TLS', () => {
  let certs: TestPki;
  let peer: CollectorPeer;
  beforeAll(async () => {
    certs = makeTestPki();
    peer = await startCollectorPeer({ tls: peerTls(certs) });
  });
  afterAll(async () => {
    await peer.close();
    certs.cleanup();
  });

  it('verifies the server against a custom CA (IP and localhost names)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const url = new URL(`https://${host}:${peer.port}/ingest`);
      const agent = createHttpAgent(url, { ca: certs.caFile, rejectUnauthorized: true });
      const response = await httpRequest({
        url,
        agent,
        headers: { 'content-type': 'application/x-ndjson' },
        body: '{"id":"tls"}\n',
        timeoutMs: 2_000,
      });
      expect(response.status).toBe(200);
      agent.destroy();
    }
  });

  it('fails with tls_error against the wrong CA and never falls back to plaintext', async () => {
    const before = peer.requests.length;
    const url = new URL(`https://127.0.0.1:${peer.port}/ingest`);
    const agent = createHttpAgent(url, { ca: certs.otherCaFile, rejectUnauthorized: true });
    const error = await httpRequest({ url, agent, body: '{"id":"x"}\n', timeoutMs: 2_000 }).catch(
      (e: unknown) => e,
    );
    const classified = classifySocketError(error, 'x');
    expect(classified.code).toBe('tls_error');
    expect(classified.retryable).toBe(true);
    expect(peer.requests.length).toBe(before);
    agent.destroy();
  });

  it('fails with tls_error on a name mismatch (servername)', async () => {
    const url = new URL(`https://127.0.0.1:${peer.port}/ingest`);
    const agent = createHttpAgent(url, {
      ca: certs.caFile,
      servername: 'not-this-host.example',
      rejectUnauthorized: true,
    });
    const error = await httpRequest({ url, agent, body: '{}\n', timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(classifySocketError(error, 'x').code).toBe('tls_error');
    agent.destroy();
  });
});
