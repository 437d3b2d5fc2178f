// A log rate limiter: the first N entries of each window are written, the rest counted into one summary line.

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
      cancelTimer: undefined,
    });
    if (window.written < this.options.limit) {
      window.written += 1;
      this.options.write(entry);
      return true;
    }
    window.suppressed += 1;
    const key = this.options.key?.(entry);
    if (key !== undefined) window.byKey[key] = (window.byKey[key] ?? 0) + 1;
    window.cancelTimer ??= this.schedule(() => {
      if (this.window === window) this.close(window.end);
    }, window.end - now);
    return false;
  }

  /** Ends the current window now, writing its summary if it suppressed anything (call it at shutdown). */
  flush(): void {
    if (this.window) this.close(Math.min(this.now(), this.window.end));
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
