// A log rate limiter: the first N entries of each window are written, the rest counted into one summary line.
import type { Logger } from 'winston';

/** Starts a timer; returns the function that cancels it. */
export type Schedule = (run: () => void, delayMs: number) => () => void;

export interface SuppressedSummary {
  /** Entries counted but not written in the window. */
  suppressed: number;
  /** The same count per key (e.g. per error code). */
  byKey: Record<string, number>;
  /** The window's first moment and its end (or the flush time, when flushed early), in ms since the epoch. */
  since: number;
  until: number;
}

export interface RateLimitedLogOptions<E> {
  /** Entries written per window; 0 writes only summaries. */
  limit: number;
  windowMs: number;
  write: (entry: E) => void;
  summarize: (summary: SuppressedSummary) => void;
  /** Groups suppressed entries in the summary. */
  key?: (entry: E) => string;
  /**
   * Distinct keys a summary names; entries with further keys are counted under `otherKey`, so that keys that vary
   * (an error message with a port in it) cannot make one summary line grow without bound. Unlimited when unset.
   */
  maxKeys?: number;
  /** The key that counts entries past `maxKeys`; "other" when unset. */
  otherKey?: string;
  /** The clock, injectable so the limiter can be tested without waiting. */
  now?: () => number;
  /** Ends a window that saw suppressed entries on time, even if no further entry arrives. */
  schedule?: Schedule;
}

/** The default timer never keeps a stopping process alive: the owner calls flush() on the way out. */
const unrefTimer: Schedule = (run, delayMs) => {
  const timer = setTimeout(run, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

interface Window {
  start: number;
  end: number;
  written: number;
  suppressed: number;
  byKey: Record<string, number>;
  keys: number;
  cancelTimer: (() => void) | undefined;
}

/**
 * Fixed windows that start with the first entry after a quiet period. A window with suppressed entries always ends with
 * exactly one summary: from its timer, from the next entry that arrives after it ended, or from flush().
 */
export class RateLimitedLog<E> {
  private readonly options: RateLimitedLogOptions<E>;
  private readonly now: () => number;
  private readonly schedule: Schedule;
  private window: Window | undefined;

  constructor(options: RateLimitedLogOptions<E>) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? unrefTimer;
  }

  /** Writes the entry, or counts it when the window's limit is reached; returns whether it was written. */
  offer(entry: E): boolean {
    const now = this.now();
    if (this.window && now >= this.window.end) this.close(this.window.end);
    const window = (this.window ??= {
      start: now,
      end: now + this.options.windowMs,
      written: 0,
      suppressed: 0,
      byKey: {},
      keys: 0,
      cancelTimer: undefined,
    });
    if (window.written < this.options.limit) {
      window.written += 1;
      this.options.write(entry);
      return true;
    }
    window.suppressed += 1;
    const key = this.options.key?.(entry);
    if (key !== undefined) {
      const counted = this.slotFor(window, key);
      window.byKey[counted] = (window.byKey[counted] ?? 0) + 1;
    }
    window.cancelTimer ??= this.schedule(() => {
      if (this.window === window) this.close(window.end);
    }, window.end - now);
    return false;
  }

  /** Ends the current window now, writing its summary if it suppressed anything (call it at shutdown). */
  flush(): void {
    if (this.window) this.close(Math.min(this.now(), this.window.end));
  }

  /** The key an entry is counted under: its own, or `otherKey` once the window names `maxKeys` keys. */
  private slotFor(window: Window, key: string): string {
    if (Object.hasOwn(window.byKey, key)) return key;
    const { maxKeys, otherKey = 'other' } = this.options;
    if (maxKeys !== undefined && window.keys >= maxKeys) return otherKey;
    window.keys += 1;
    return key;
  }

  private close(until: number): void {
    const window = this.window;
    if (!window) return;
    this.window = undefined;
    window.cancelTimer?.();
    if (window.suppressed > 0) {
      this.options.summarize({
        suppressed: window.suppressed,
        byKey: window.byKey,
        since: window.start,
        until,
      });
    }
  }
}

/** The window of every per-minute log: `receiver.rejectLogPerMinute`, `workers.retryLogPerMinute` count per minute. */
export const PER_MINUTE_WINDOW_MS = 60_000;

export interface PerMinuteLogOptions<E> {
  /** Writes the summary lines. */
  logger: Logger;
  /** The summary lines' level; warn when unset. */
  level?: string;
  perMinute: number;
  write: (entry: E) => void;
  key: (entry: E) => string;
  maxKeys?: number;
  otherKey?: string;
  /** The summary line's message, given how many entries it counts. */
  summary: (suppressed: number) => string;
  /** The summary field that holds the count per key, e.g. "byCode". */
  keysField: string;
  /** Fields of every summary line, such as the target. */
  fields?: Record<string, unknown>;
  now?: () => number;
  schedule?: Schedule;
}

/**
 * `perMinute` lines a minute, then one summary line per minute (warn, unless `level` says otherwise) with the number
 * not written, the count per key and the window. The owner calls flush() when it stops, so the last window's count is
 * not lost.
 */
export function createPerMinuteLog<E>(options: PerMinuteLogOptions<E>): RateLimitedLog<E> {
  const { logger, level = 'warn', perMinute, summary, keysField, fields, ...entries } = options;
  return new RateLimitedLog<E>({
    ...entries,
    limit: perMinute,
    windowMs: PER_MINUTE_WINDOW_MS,
    summarize: ({ suppressed, byKey, since, until }) =>
      logger.log(level, summary(suppressed), {
        ...fields,
        suppressed,
        [keysField]: byKey,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
      }),
  });
}

/** A failed attempt that will be retried, as its worker would log it. */
export interface RetriedFailure {
  /** The logger that carries the job's fields (transport id, delivery id, target). */
  logger: Logger;
  message: string;
  fields: Record<string, unknown>;
  /** What the summary counts it under: the error's message. */
  reason: string;
}

/** A reason is named by at most this many characters, and a summary names at most this many reasons. */
const REASON_CHARS = 200;
const REASONS_NAMED = 20;

export interface RetryLogOptions {
  /** Writes the summary lines. */
  logger: Logger;
  perMinute: number;
  /** Names the jobs in the summary line: "target jobs", "ingest jobs". */
  jobs: string;
  /** Fields of every summary line, such as the target. */
  fields?: Record<string, unknown>;
  now?: () => number;
  schedule?: Schedule;
}

/**
 * The warn lines of retried failures, per queue: `perMinute` lines a minute, then one summary line per minute with
 * the number not written and their distinct reasons. One queue that keeps failing (a target that is down) would
 * otherwise write a line per attempt. Dead letters are logged at error level without it, so none is ever held back.
 * The owner calls flush() when it stops, so the last window's count is not lost.
 */
export function createRetryLog(options: RetryLogOptions): RateLimitedLog<RetriedFailure> {
  const { jobs, perMinute } = options;
  return createPerMinuteLog<RetriedFailure>({
    logger: options.logger,
    perMinute,
    fields: options.fields,
    now: options.now,
    schedule: options.schedule,
    key: (entry) => entry.reason.slice(0, REASON_CHARS),
    maxKeys: REASONS_NAMED,
    otherKey: '(other reasons)',
    write: (entry) => entry.logger.warn(entry.message, entry.fields),
    summary: (suppressed) =>
      `Retries of ${jobs} not logged one by one: ${suppressed} past the limit of ${perMinute} per minute.`,
    keysField: 'reasons',
  });
}
