// A raw TCP client for receiver tests that need what fetch hides: partial uploads, slow bytes, held-open connections.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawConnection {
  readonly socket: Socket;
  /** When the connection was established (performance.now()). */
  readonly openedAt: number;
  /** Everything received so far, as latin1 text (status line and headers are ASCII). */
  received(): string;
  /** Resolves with the status code once a status line arrived, or undefined when the connection ended without one. */
  readonly status: Promise<number | undefined>;
  /** Milliseconds from openedAt to the first byte received, once one arrived. */
  answeredAfterMs(): number | undefined;
  /** Resolves once the socket closed, with the ms since openedAt and the error that closed it, if any. */
  readonly closed: Promise<{ afterMs: number; error: string | undefined }>;
  isClosed(): boolean;
  /** Writes and resolves once the bytes were handed to the kernel; resolves false when the socket is gone. */
  write(data: string | Buffer): Promise<boolean>;
  destroy(): void;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3}) /;

/** The status code of a raw answer, if it starts with a status line. */
export function statusOf(text: string): number | undefined {
  const match = STATUS_LINE.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The JSON body of a raw answer (after the blank line), or undefined when there is none. */
export function jsonBodyOf(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('\r\n\r\n');
  if (start === -1) return undefined;
  try {
    return JSON.parse(text.slice(start + 4)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Opens a TCP connection to the host and port of an http:// URL; the caller writes the request bytes itself. */
export async function openRaw(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const openedAt = performance.now();
  const chunks: Buffer[] = [];
  let firstByteAfter: number | undefined;
  let closedFlag = false;
  let lastError: string | undefined;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    lastError = error.code ?? error.message;
  });
  socket.on('data', (chunk: Buffer) => {
    firstByteAfter ??= performance.now() - openedAt;
    chunks.push(chunk);
  });
  // The server's FIN: answer it with ours, so that a connection the server ended never lingers on this side.
  socket.on('end', () => socket.end());
  const closed = new Promise<{ afterMs: number; error: string | undefined }>((resolve) => {
    socket.once('close', () => {
      closedFlag = true;
      resolve({ afterMs: performance.now() - openedAt, error: lastError });
    });
  });
  const received = () => Buffer.concat(chunks).toString('latin1');
  const status = new Promise<number | undefined>((resolve) => {
    const check = () => {
      const code = statusOf(received());
      if (code !== undefined) {
        socket.off('data', check);
        resolve(code);
      }
    };
    socket.on('data', check);
    void closed.then(() => resolve(statusOf(received())));
  });
  return {
    socket,
    openedAt,
    received,
    status,
    answeredAfterMs: () => firstByteAfter,
    closed,
    isClosed: () => closedFlag,
    write: (data) =>
      new Promise<boolean>((resolve) => {
        if (socket.destroyed || !socket.writable) {
          resolve(false);
          return;
        }
        socket.write(data, (error) => resolve(!error));
      }),
    destroy: () => socket.destroy(),
  };
}

/** The request line and header block of a POST, ready to write before the body. */
export function postHead(path: string, headers: Record<string, string | readonly string[]>): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${one}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** One chunk of a chunked body (RFC 9112 §7.1). */
export function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

/** The last chunk of a chunked body. */
export const LAST_CHUNK = '0\r\n\r\n';

/**
 * GET on a connection of its own (no keep-alive pool, so a capped server cannot have closed it under us): the status,
 * or 0 when there was no answer, and how long it took.
 */
export async function getOnce(url: string, timeoutMs = 10_000): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end();
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
