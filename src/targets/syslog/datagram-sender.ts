// Sends syslog datagrams: one connected UDP socket per target, one message per datagram (RFC 5426 §3.1).
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Logger } from 'winston';
import { retryable } from '../../errors.js';
import { classifyDatagramError } from './classify.js';

export interface DatagramSenderOptions {
  host: string;
  port: number;
  timeoutMs: number;
  what: string;
  logger: Logger;
}

/**
 * Sends datagrams on a connected socket. Connecting lets the kernel report an ICMP port-unreachable as ECONNREFUSED
 * on a later send, the only delivery signal UDP gives; nothing confirms that a datagram arrived.
 */
export class DatagramSender {
  private socket: Promise<dgram.Socket> | undefined;
  private closed = false;

  constructor(private readonly options: DatagramSenderOptions) {}

  /** Sends each datagram in order; resolves when the kernel accepted every one. */
  async send(datagrams: readonly Buffer[], signal: AbortSignal): Promise<void> {
    const { what } = this.options;
    if (this.closed) throw retryable('target_closed', `${what}: target is closing`);
    const socket = await this.open();
    for (const datagram of datagrams) {
      if (signal.aborted) throw retryable('target_closed', `${what}: send aborted`);
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, (error) => (error ? reject(classifyDatagramError(error, what)) : resolve()));
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.socket;
    this.socket = undefined;
    if (!pending) return;
    const socket = await pending.catch(() => undefined);
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private open(): Promise<dgram.Socket> {
    this.socket ??= this.create().catch((error: unknown) => {
      this.socket = undefined;
      throw classifyDatagramError(error, this.options.what);
    });
    return this.socket;
  }

  private async create(): Promise<dgram.Socket> {
    const { host, port, timeoutMs, what } = this.options;
    const address = await lookup(host);
    const socket = dgram.createSocket(address.family === 6 ? 'udp6' : 'udp4');
    // An asynchronous socket error (not tied to a send) drops the socket; the next send creates a new one.
    socket.on('error', (error) => {
      this.options.logger.warn(
        `${what}: UDP socket error ${String((error as NodeJS.ErrnoException).code ?? error.message)}`,
      );
      this.socket = undefined;
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(retryable('timeout', `${what}: UDP connect timed out`)),
        timeoutMs,
      );
      socket.connect(port, address.address, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return socket;
  }
}
