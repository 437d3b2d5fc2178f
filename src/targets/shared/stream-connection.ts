// The TCP or TLS stream of one target: one socket for every send, serialised writes, reconnect, settle after writes.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'winston';
import { SendError, retryable } from '../../errors.js';
import { classifySocketError } from './classify-socket.js';

export interface StreamConnectionOptions {
  host: string;
  port: number;
  /** TLS options from buildTlsOptions; undefined means plain TCP. A TLS connection never falls back to TCP. */
  tls: tls.ConnectionOptions | undefined;
  /** Bounds the connect (TCP + TLS handshake) and each write until its callback. */
  timeoutMs: number;
  /** How long a written batch waits for a reset or close from the peer before its send resolves; 0 disables. */
  settleMs: number;
  /** Names the target and peer in messages; never contains a secret. */
  what: string;
  logger: Logger;
  backoff?: { initialMs: number; maxMs: number };
}

/** One socket and what we learnt about it. */
interface Link {
  socket: net.Socket;
  /** Connected, and neither ended, reset nor errored. */
  open: boolean;
  /** Why the link stopped being usable (first error wins). */
  failure: SendError | undefined;
  /** We sent FIN first (close()) and the peer answered with its own FIN without an error: it read up to EOF. */
  clean: boolean;
  weEnded: boolean;
  /** Resolves on the socket's 'close' (awaited once, by close()). */
  closed: Promise<void>;
  isClosed: boolean;
  /**
   * Called once on 'close'. Pending writes and settle windows register here and unregister when they finish, so a
   * long-lived connection does not collect one promise reaction per batch.
   */
  watchers: Set<() => void>;
}

/** Runs `fn` when the link closes (at once, asynchronously, if it already has); returns the unsubscribe function. */
function onLinkClose(link: Link, fn: () => void): () => void {
  if (link.isClosed) {
    queueMicrotask(fn);
    return () => undefined;
  }
  link.watchers.add(fn);
  return () => link.watchers.delete(fn);
}

const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5_000 };
/** Idle connections are probed so that a silently dead peer is noticed (RFC 1122 §4.2.3.6 keep-alive). */
const KEEPALIVE_MS = 30_000;

/**
 * Reconnects with capped backoff, and after each write waits a settle window in which a peer reset turns into a retry
 * instead of a silent loss.
 */
export class StreamConnection {
  private link: Link | undefined;
  /** Tail of the write queue: resolves when every earlier write has been handed to the kernel or has failed. */
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  private nextConnectAt = 0;
  private closing = false;
  private readonly closeController = new AbortController();
  private readonly backoff: { initialMs: number; maxMs: number };

  constructor(private readonly options: StreamConnectionOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (options.tls?.rejectUnauthorized === false) {
      options.logger.warn(
        `${options.what}: TLS certificate verification is OFF (tls.rejectUnauthorized: false)`,
      );
    }
  }

  /**
   * Writes one batch (already framed) as a single socket write, so frames of concurrent sends never interleave.
   * Resolves after the write callback fired without error and the settle window passed with the connection intact.
   */
  async write(data: Buffer, signal: AbortSignal): Promise<void> {
    if (this.closing) throw this.closedError();
    const queued = AbortSignal.any([signal, this.closeController.signal]);
    const previous = this.chain;
    let release!: () => void;
    this.chain = new Promise<void>((resolve) => (release = resolve));
    let link: Link;
    try {
      await this.abortable(previous, queued);
      link = await this.ensureLink(queued);
      await this.writeOn(link, data, signal);
    } finally {
      // The next writer starts only once the previous one is done too, even if this one was aborted early.
      void previous.then(release);
    }
    await this.settle(link, signal);
  }

  /** Ends the socket gracefully (FIN after pending bytes), waits for 'close' up to a bound, then destroys it. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.closeController.abort();
    const link = this.link;
    if (link && !link.socket.destroyed) {
      link.weEnded = true;
      link.socket.end();
      const bound = setTimeout(() => link.socket.destroy(), Math.min(this.options.timeoutMs, 5_000));
      await link.closed;
      clearTimeout(bound);
    }
    await this.chain;
  }

  private closedError(): SendError {
    return retryable('target_closed', `${this.options.what}: target is closing`);
  }

  /** An aborted send is retryable: shutdown or the job's own timeout, never a verdict on the records. */
  private abortError(): SendError {
    return this.closing
      ? this.closedError()
      : retryable('target_closed', `${this.options.what}: send aborted`);
  }

  /** Waits for `promise` unless `signal` fires first. */
  private abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(this.abortError());
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return this.abortable(
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      }),
      signal,
    );
  }

  /**
   * Returns an open link, reconnecting when needed. Before reusing a link it yields once to the event loop so that a
   * FIN or RST that already arrived is processed first (the same idea as rsyslog's check before sending): writing
   * into a socket whose peer has gone would be accepted by the kernel and then lost.
   */
  private async ensureLink(signal: AbortSignal): Promise<Link> {
    if (this.link?.open) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.link?.open) return this.link;
    }
    this.link = undefined;
    const wait = this.nextConnectAt - Date.now();
    if (wait > 0) await this.sleep(wait, signal);
    try {
      const link = await this.connect(signal);
      if (this.closing) {
        // close() ran while the handshake finished; this socket must not outlive it.
        link.socket.destroy();
        throw this.closedError();
      }
      if (this.failures > 0)
        this.options.logger.info(
          `${this.options.what}: reconnected after ${this.failures} failed attempt(s)`,
        );
      this.failures = 0;
      this.nextConnectAt = 0;
      this.link = link;
      return link;
    } catch (error) {
      const failure = classifySocketError(error, this.options.what);
      if (failure.code === 'target_closed') throw failure;
      this.failures += 1;
      // Exponential backoff with equal jitter: 100 ms doubling to 5 s between consecutive failed connects.
      const base = Math.min(this.backoff.initialMs * 2 ** (this.failures - 1), this.backoff.maxMs);
      this.nextConnectAt = Date.now() + base / 2 + Math.random() * (base / 2);
      this.options.logger.warn(`${failure.message}; next connect in ≥ ${Math.round(base / 2)} ms`, {
        code: failure.code,
      });
      throw failure;
    }
  }

  private connect(signal: AbortSignal): Promise<Link> {
    const { host, port, timeoutMs, what } = this.options;
    const tlsOptions = this.options.tls;
    return new Promise<Link>((resolve, reject) => {
      if (signal.aborted) {
        reject(this.abortError());
        return;
      }
      // A fresh socket every time: a TLS target always builds a new TLSSocket, never re-connects an old one
      // (winston-syslog's cleartext-after-reconnect defect, docs/targets/syslog.md).
      const socket = tlsOptions ? tls.connect({ ...tlsOptions, host, port }) : net.connect({ host, port });
      let done = false;
      const finish = (error: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.removeListener('error', finish);
        socket.removeListener('close', onEarlyClose);
        if (error !== undefined) {
          socket.destroy();
          reject(error instanceof SendError ? error : classifySocketError(error, what));
        }
      };
      const timer = setTimeout(
        () => finish(retryable('timeout', `${what}: no connection within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = (): void => finish(this.abortError());
      const onEarlyClose = (): void =>
        finish(retryable('network_error', `${what}: connection closed before it was ready`));
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('error', finish);
      socket.once('close', onEarlyClose);
      socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        if (
          socket instanceof tls.TLSSocket &&
          tlsOptions?.rejectUnauthorized !== false &&
          !socket.authorized
        ) {
          finish(retryable('tls_error', `${what}: TLS failed (${String(socket.authorizationError)})`));
          return;
        }
        finish(undefined);
        resolve(this.attach(socket));
      });
    });
  }

  private attach(socket: net.Socket): Link {
    const what = this.options.what;
    let onClose!: () => void;
    const link: Link = {
      socket,
      open: true,
      failure: undefined,
      clean: false,
      weEnded: false,
      closed: new Promise<void>((resolve) => (onClose = resolve)),
      isClosed: false,
      watchers: new Set(),
    };
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('error', (error) => {
      link.open = false;
      link.failure ??= classifySocketError(error, what);
    });
    socket.on('end', () => {
      link.open = false;
      if (link.weEnded && link.failure === undefined) link.clean = true;
      else link.failure ??= retryable('network_error', `${what}: the peer closed the connection`);
    });
    socket.on('close', () => {
      link.open = false;
      link.failure ??= retryable('network_error', `${what}: connection closed`);
      if (this.link === link) this.link = undefined;
      link.isClosed = true;
      const watchers = [...link.watchers];
      link.watchers.clear();
      for (const watcher of watchers) watcher();
      onClose();
    });
    // Syslog and token-TCP peers send nothing; reading keeps TLS alerts and the peer's FIN flowing.
    socket.resume();
    return link;
  }

  private writeOn(link: Link, data: Buffer, signal: AbortSignal): Promise<void> {
    const { what, timeoutMs } = this.options;
    if (!link.open)
      return Promise.reject(link.failure ?? retryable('network_error', `${what}: connection lost`));
    // An abort does not cut the write short (that would corrupt framing); the bytes may still arrive, so a retry
    // may duplicate them (at-least-once).
    return stepOnLink(
      link,
      signal,
      () => this.abortError(),
      () => link.failure ?? retryable('network_error', `${what}: connection closed during the write`),
      (finish) => {
        // A write that does not reach the kernel in time means the peer stopped reading; the stream may hold a
        // partial frame, so the socket is destroyed rather than reused.
        const timer = setTimeout(() => {
          const error = retryable('timeout', `${what}: write not flushed within ${timeoutMs} ms`);
          link.failure ??= error;
          link.socket.destroy();
          finish(error);
        }, timeoutMs);
        link.socket.write(data, (error) => {
          finish(error ? (link.failure ?? classifySocketError(error, what)) : undefined);
        });
        return () => clearTimeout(timer);
      },
    );
  }

  /**
   * A write callback means "accepted by the local kernel", not "read by the collector"
   * (https://nodejs.org/api/net.html#socketwritedata-encoding-callback). A peer that closes or restarts answers bytes
   * it did not read with a reset within about one round trip; waiting `settleMs` with the connection intact turns
   * that reset into a retry of this batch instead of a silent loss.
   */
  private settle(link: Link, signal: AbortSignal): Promise<void> {
    const { settleMs, what } = this.options;
    if (settleMs <= 0) return Promise.resolve();
    return stepOnLink(
      link,
      signal,
      () => this.abortError(),
      () => (link.clean ? undefined : closedAfterWrite(link, settleMs, what)),
      (finish) => {
        // When the timer fires, the event loop may have been busy past settleMs with a reset already waiting in the
        // kernel; timers run before I/O in a loop turn, so the verdict waits one setImmediate (after the poll
        // phase, where a pending FIN or RST is read) and then looks at the link.
        const timer = setTimeout(
          () =>
            setImmediate(() =>
              finish(link.open || link.clean ? undefined : closedAfterWrite(link, settleMs, what)),
            ),
          settleMs,
        );
        return () => clearTimeout(timer);
      },
    );
  }
}

/**
 * One step on a link (a write, a settle window) that ends once, at the first of: its own verdict, an abort, or the
 * link closing. `start` gets the `finish` callback and returns its cleanup (timers); every listener is removed.
 */
function stepOnLink(
  link: Link,
  signal: AbortSignal,
  abortError: () => SendError,
  onClose: () => SendError | undefined,
  start: (finish: (error: SendError | undefined) => void) => () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let cleanup: () => void = () => undefined;
    const finish = (error: SendError | undefined): void => {
      if (done) return;
      done = true;
      cleanup();
      signal.removeEventListener('abort', onAbort);
      unwatch();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    const unwatch = onLinkClose(link, () => finish(onClose()));
    cleanup = start(finish);
    // A verdict reached while starting must not leave the step's timer behind.
    if (done) cleanup();
  });
}

/** The error for a batch whose connection ended inside its settle window: the peer may not have read it. */
function closedAfterWrite(link: Link, settleMs: number, what: string): SendError {
  return retryable(
    link.failure?.code ?? 'network_error',
    `${link.failure?.message ?? `${what}: connection closed`} (within ${settleMs} ms of the write; resending)`,
  );
}
