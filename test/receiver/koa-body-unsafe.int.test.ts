// Measures why the webhook route reads raw bytes instead of using koa-body: its rawBody is not what was signed.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../src/receiver/verify-signature.js';

const secret = 'measure-secret-0123456789abcdef';
let server: Server;
let url: string;
let seen: string | undefined;

beforeAll(async () => {
  const app = new Koa();
  app.use(koaBody({ includeUnparsed: true }));
  app.use((ctx) => {
    seen = ctx.request.rawBody;
    ctx.status = 204;
  });
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function post(body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('koa-body rawBody versus the signed bytes', () => {
  it('replaces invalid UTF-8 with U+FFFD, so a correctly signed body fails verification', async () => {
    const body = Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const signature = signBody(body, secret);
    expect(verifySignature(body, signature, [secret])).toBe('valid');
    await post(body);
    expect(seen).toBeDefined();
    expect(verifySignature(Buffer.from(seen as string, 'utf8'), signature, [secret])).toBe('mismatch');
  });

  it('inflates a gzip body, so what it hands over is not what was sent', async () => {
    const json = Buffer.from('{"a":1}');
    const sent = gzipSync(json);
    await post(sent, { 'Content-Encoding': 'gzip' });
    expect(seen).toBe('{"a":1}');
    expect(verifySignature(Buffer.from(seen as string), signBody(sent, secret), [secret])).toBe('mismatch');
  });
});
