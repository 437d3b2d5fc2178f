// An answer given before the upload ended (413) reaches a client that keeps uploading: the receiver closes gracefully.
import { describe, expect, it } from 'vitest';
import { signBody } from '../../src/receiver/verify-signature.js';
import { TEST_SECRET, useForwarder, waitFor } from '../helpers/forwarder.js';
import { fixture } from '../helpers/webhook.js';
import { MIB } from './memory.js';
import { chunk, jsonBodyOf, LAST_CHUNK, openRaw, postHead, sleep } from './raw-client.js';

const LIMIT = 5 * MIB;
const fx = useForwarder({ config: { receiver: { maxBodyBytes: LIMIT } } });

/** Bound of one exchange: the upload of 6 MiB on loopback plus the receiver's bounded linger, on a loaded machine. */
const EXCHANGE_BOUND_MS = 30_000;

describe('an early 413 is seen by a client that is still uploading', { timeout: 120_000 }, () => {
  it('reaches a client that sends 6 MiB with Content-Length and no Expect: 100-continue, every time', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    const body = Buffer.alloc(6 * MIB, 0x20);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const connection = await openRaw(forwarder.url);
      // A client that sends the whole request before it reads anything, as blocking HTTP clients do: the answer waits
      // in its kernel's receive buffer, where a reset from the server would discard it (RFC 9112 §9.6).
      connection.socket.pause();
      const uploaded = await connection.write(
        Buffer.concat([
          Buffer.from(
            postHead(path, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }),
          ),
          body,
        ]),
      );
      connection.socket.resume();
      const closed = await Promise.race([connection.closed, sleep(EXCHANGE_BOUND_MS).then(() => undefined)]);
      connection.destroy();
      console.log(
        `attempt ${attempt}: upload ${uploaded ? 'complete' : 'failed'}, ` +
          `${JSON.stringify(connection.received().split('\r\n')[0])}, closed after ` +
          `${closed?.afterMs.toFixed(0) ?? 'never'} ms${closed?.error ? ` (${closed.error})` : ''}`,
      );
      expect(uploaded).toBe(true);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 413 /);
      expect(jsonBodyOf(connection.received())?.error).toBe('body_too_large');
      // The receiver closes on its own once the upload ended, and no reset was needed to do it.
      expect(closed).toBeDefined();
      expect(closed?.error).toBeUndefined();
    }
  });

  it('reaches a client that sends a chunked body past the limit as fast as it can', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    const piece = chunk(Buffer.alloc(64 * 1024, 0x20));
    const connection = await openRaw(forwarder.url);
    connection.socket.pause();
    await connection.write(
      postHead(path, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
    );
    // Three times the limit in 64 KiB chunks without waiting for anything, then the last chunk.
    const writes: Array<Promise<boolean>> = [];
    for (let i = 0; i < (3 * LIMIT) / (64 * 1024); i += 1) writes.push(connection.write(piece));
    writes.push(connection.write(LAST_CHUNK));
    const uploaded = (await Promise.all(writes)).every(Boolean);
    connection.socket.resume();
    const closed = await Promise.race([connection.closed, sleep(EXCHANGE_BOUND_MS).then(() => undefined)]);
    connection.destroy();
    expect(uploaded).toBe(true);
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed?.error).toBeUndefined();
  });

  it('closes a connection that stops sending after its 413, within a bounded time', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    const connection = await openRaw(forwarder.url);
    await connection.write(
      postHead(path, { 'Content-Type': 'application/json', 'Content-Length': String(6 * MIB) }),
    );
    await connection.write(Buffer.alloc(MIB, 0x20));
    const closed = await Promise.race([connection.closed, sleep(EXCHANGE_BOUND_MS).then(() => undefined)]);
    connection.destroy();
    expect(connection.received()).toMatch(/^HTTP\/1\.1 413 /);
    // Held to the receiver's linger bound, far below the request timeout, and never forever.
    expect(closed?.afterMs).toBeLessThan(EXCHANGE_BOUND_MS);
  });

  it('keeps the connection alive after an answer to a request whose body was read in full', async () => {
    const { forwarder } = fx;
    const connection = await openRaw(forwarder.url);
    await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await connection.status).toBe(200);
    const small = '{"org":{"name":"unsigned"}}';
    await connection.write(
      `${postHead(new URL(forwarder.webhookUrl).pathname, { 'Content-Length': String(small.length) })}${small}`,
    );
    await waitFor(() => /HTTP\/1\.1 401 /.test(connection.received()), 10_000, 'the second answer');
    connection.destroy();
    expect(connection.received()).not.toMatch(/\r\nConnection: close\r\n/i);
  });

  it('refuses a body announced over the limit before it is sent, when the client asks for 100-continue', async () => {
    const { forwarder } = fx;
    const connection = await openRaw(forwarder.url);
    await connection.write(
      postHead(new URL(forwarder.webhookUrl).pathname, {
        'Content-Type': 'application/json',
        'Content-Length': String(6 * MIB),
        Expect: '100-continue',
      }),
    );
    expect(await connection.status).toBe(413);
    connection.destroy();
    expect(connection.received()).not.toContain('100 Continue');
  });

  it('asks for a welcome body with 100 Continue, then accepts it', async () => {
    const { forwarder } = fx;
    const body = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');
    const connection = await openRaw(forwarder.url);
    await connection.write(
      postHead(new URL(forwarder.webhookUrl).pathname, {
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
        'X-Snyk-Event': 'project_snapshot/v0',
        'X-Hub-Signature': signBody(body, TEST_SECRET),
        Expect: '100-continue',
      }),
    );
    expect(await connection.status).toBe(100);
    await connection.write(body);
    await waitFor(() => /HTTP\/1\.1 202 /.test(connection.received()), 10_000, 'the 202 answer');
    connection.destroy();
  });
});
