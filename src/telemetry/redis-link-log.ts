// One "Redis connection lost." and one "Redis connection regained." line per outage for the whole process.
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { Schedule } from './rate-limited-log.js';

/**
 * A process holds 5 to 10 Redis connections (the receiver's, each worker's two, each queue's, the admin listener's, the
 * fan-out threads'), and each one reports an outage on its own, over and over while it reconnects. The verdict is
 * therefore one connection's: a PING on the process's link connection, which only watches. An error of any other
 * connection is a reason to ask (a PING that fails: lost), never a verdict by itself, so a connection that is still
 * reconnecting after Redis came back cannot make the outage start again.
 */
export interface RedisLinkLogOptions {
  logger: Logger;
  /** `host:port` of the Redis, never its URL: that may hold a password. */
  address: string;
  /** A round trip on the link connection; rejects when Redis does not answer. */
  ping: () => Promise<unknown>;
  /** While Redis is up, a PING this often: a hung Redis closes no connection and reports no error. */
  heartbeatMs?: number;
  /** While Redis is down (or not reached yet), a PING this often until it answers. */
  retryMs?: number;
  /** A PING that takes longer has failed. */
  pingTimeoutMs?: number;
  now?: () => number;
  schedule?: Schedule;
}

export const HEARTBEAT_MS = 10_000;
export const RETRY_MS = 1000;
/** Above the receiver's command timeout (1.5 s by default): a busy machine is not an outage. */
export const PING_TIMEOUT_MS = 5000;

type State = 'starting' | 'up' | 'down';

interface FirstError {
  source: string;
  message: string;
  code: string | undefined;
  at: number;
}

const unrefTimer: Schedule = (run, delayMs) => {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

function describeError(source: string, error: unknown, at: number): FirstError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return { source, message, code: typeof code === 'string' ? code : undefined, at };
}

/**
 * The state of the process's link to Redis: `starting` until the first PING answers (a Redis that is down at start is
 * reported by the start-up check, not as lost), then `up` or `down`. Lines are written on the two transitions only.
 */
export class RedisLinkLog {
  private readonly options: RedisLinkLogOptions;
  private readonly now: () => number;
  private readonly schedule: Schedule;
  private state: State = 'starting';
  private firstError: FirstError | undefined;
  private lostAt = 0;
  private checking = false;
  private recheck = false;
  private stopped = false;
  private cancelTimer: (() => void) | undefined;

  constructor(options: RedisLinkLogOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? unrefTimer;
  }

  /** What the log said last: `starting` until Redis first answered. */
  get status(): State {
    return this.state;
  }

  /** Checks at once, then keeps checking (heartbeat while up, retries while down) until stop(). */
  start(): void {
    active.add(this);
    this.check();
  }

  stop(): void {
    this.stopped = true;
    active.delete(this);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  /** An error of any connection of the process: while Redis is up, a reason to PING now. */
  noteError(source: string, error: unknown): void {
    if (this.stopped || this.state !== 'up') return;
    this.firstError ??= describeError(source, error, this.now());
    this.check();
  }

  /** The link connection is ready again: while Redis is down, a reason to PING now rather than at the next retry. */
  noteReady(): void {
    if (this.stopped || this.state === 'up') return;
    this.check();
  }

  private check(): void {
    if (this.stopped) return;
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    this.recheck = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const started = this.now();
    void this.pingWithin().then(
      () => this.settle(undefined, started),
      (error: unknown) => this.settle(error, started),
    );
  }

  private pingWithin(): Promise<unknown> {
    const ms = this.options.pingTimeoutMs ?? PING_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const cancel = this.schedule(() => reject(new Error(`PING not answered within ${ms} ms`)), ms);
      this.options.ping().then(
        (answer) => {
          cancel();
          resolve(answer);
        },
        (error: unknown) => {
          cancel();
          reject(error as Error);
        },
      );
    });
  }

  private settle(error: unknown, started: number): void {
    this.checking = false;
    if (this.stopped) return;
    const { logger, address } = this.options;
    if (error === undefined) {
      if (this.state === 'down') {
        logger.info('Redis connection regained.', { redis: address, downMs: this.now() - this.lostAt });
      }
      this.state = 'up';
      // An error that came while this PING was under way is asked about again below, with its own PING.
      if (!this.recheck) this.firstError = undefined;
    } else if (this.state === 'up') {
      const first = this.firstError ?? describeError('link', error, started);
      this.state = 'down';
      this.lostAt = first.at;
      this.firstError = undefined;
      logger.warn('Redis connection lost.', {
        redis: address,
        error: first.message,
        ...(first.code === undefined ? {} : { code: first.code }),
        connection: first.source,
      });
    }
    if (this.recheck) {
      this.check();
      return;
    }
    const delay =
      this.state === 'up' ? (this.options.heartbeatMs ?? HEARTBEAT_MS) : (this.options.retryMs ?? RETRY_MS);
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = undefined;
      this.check();
    }, delay);
  }
}

/** The link logs of the daemons running in this process (one in production; tests may start several). */
const active = new Set<RedisLinkLog>();

/**
 * Tells every running link log that a connection of this process reported an error (client-errors.ts passes on every
 * Redis client's; the workers, their own). Each one checks its own Redis: an error of another daemon's is harmless.
 */
export function noteRedisError(source: string, error: unknown): void {
  for (const log of active) log.noteError(source, error);
}

export interface RedisLinkWatch {
  readonly log: RedisLinkLog;
  /** Stops checking and closes the link connection; call it first when the process stops, before any client closes. */
  stop(): void;
}

/**
 * Watches Redis through `client`, a connection of its own (the worker watch of lifecycle/pipeline-workers.ts only PINGs
 * it too), and starts the log.
 */
export function watchRedisLink(
  client: Redis | Cluster,
  options: Omit<RedisLinkLogOptions, 'ping'> & Partial<Pick<RedisLinkLogOptions, 'ping'>>,
): RedisLinkWatch {
  const log = new RedisLinkLog({ ping: () => client.ping(), ...options });
  // The link connection's own events: an error is a reason to PING (it then fails: the connection is down), 'ready'
  // after a reconnect a reason to PING before the next retry.
  client.on('error', (error: unknown) => log.noteError('link', error));
  client.on('ready', () => log.noteReady());
  log.start();
  return {
    log,
    stop() {
      log.stop();
      client.disconnect();
    },
  };
}
