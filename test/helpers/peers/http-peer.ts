// Base of the emulated HTTP collectors: loopback HTTP/HTTPS server, gunzip, scripted failure modes, connection tracking.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { freePort } from '../free-port.js';

/**
 * How the peer answers the next requests. The contract suite uses the first five; 'reset' destroys the socket.
 *   ok          the emulator's normal behaviour
 *   fail-once   one transient failure (503), then ok
 *   reject      a permanent failure (400 with the emulator's error body)
 *   throttle    429 (or the emulator's overload status) with Retry-After
 *   hang        reads the request and never answers
 *   reset       destroys the connection without answering
 */
export type PeerBehaviour = 'ok' | 'fail-once' | 'reject' | 'throttle' | 'hang' | 'reset';

export interface PeerRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body after Content-Encoding: gzip was undone. */
  body: Buffer;
}

export interface PeerReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface FailureReplies {
  /** fail-once */
  transient: PeerReply;
  /** reject */
  permanent: PeerReply;
  /** throttle; must carry Retry-After */
  throttled: PeerReply;
}

export interface HttpPeerOptions {
  /** Serve HTTPS; with `ca`, require a client certificate signed by it (mutual TLS). */
  tls?: { cert: string; key: string; ca?: string };
  failures: FailureReplies;
  /** Normal handling; returns the reply. */
  handle(request: PeerRequest): PeerReply;
  /** Answer bodies over this size with 413 (default 32 MiB). */
  maxBodyBytes?: number;
}

export interface HttpPeer {
  readonly port: number;
  /** e.g. http://127.0.0.1:43123 (no trailing slash). */
  readonly url: string;
  behaviour: PeerBehaviour;
  /** Delay before every answer (a slow collector); 0 = answer at once. */
  delayMs: number;
  /** Behaviours for the next requests, one per request, before `behaviour` applies again. */
  readonly script: PeerBehaviour[];
  /** Every request received, in order (including failed ones). */
  readonly requests: PeerRequest[];
  openConnections(): number;
  /** Polls until no connection is open or the time is up; true when none is open. */
  waitForNoConnections(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: PeerReply): void {
  const body = reply.body ?? '';
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

export async function startHttpPeer(options: HttpPeerOptions): Promise<HttpPeer> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const requests: PeerRequest[] = [];
  const limit = options.maxBodyBytes ?? 32 * 1_048_576;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      const raw = await readBody(req, limit);
      if (raw === undefined) {
        send(res, { status: 413, body: '{"error":"too large"}' });
        return;
      }
      let body = raw;
      if (req.headers['content-encoding'] === 'gzip') {
        try {
          body = gunzipSync(raw);
        } catch {
          send(res, { status: 400, body: '{"error":"bad gzip"}' });
          return;
        }
      }
      const request: PeerRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
      };
      requests.push(request);
      if (peer.delayMs > 0) {
        // A keep-alive socket carries many requests: the 'close' listener must go when the delay ends, or each
        // delayed answer leaves one behind on the socket.
        await new Promise((resolve) => {
          const onClose = (): void => {
            clearTimeout(timer);
            resolve(undefined);
          };
          const timer = setTimeout(() => {
            req.socket.off('close', onClose);
            resolve(undefined);
          }, peer.delayMs);
          req.socket.once('close', onClose);
        });
        if (req.socket.destroyed) return;
      }
      switch (peer.script.shift() ?? peer.behaviour) {
        case 'hang':
          return; // the client's timeout must fire; close() destroys the socket
        case 'reset':
          req.socket.destroy();
          return;
        case 'fail-once':
          peer.behaviour = 'ok';
          send(res, options.failures.transient);
          return;
        case 'reject':
          send(res, options.failures.permanent);
          return;
        case 'throttle':
          send(res, options.failures.throttled);
          return;
        case 'ok':
          send(res, options.handle(request));
      }
    })().catch(() => req.socket.destroy());
  };

  const server = options.tls
    ? https.createServer(
        {
          cert: options.tls.cert,
          key: options.tls.key,
          ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        },
        onRequest,
      )
    : http.createServer(onRequest);
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // A failed TLS handshake (wrong CA on the client) must not crash the test process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  const peer: HttpPeer = {
    port,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    behaviour: 'ok',
    delayMs: 0,
    script: [],
    requests,
    openConnections: () => sockets.size,
    async waitForNoConnections(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (sockets.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      return sockets.size === 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return peer;
}
