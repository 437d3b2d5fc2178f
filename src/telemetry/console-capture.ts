// Sends what libraries print (console.*, Node's process warnings) through the daemon's logger, so every line stays JSON.
import { format } from 'node:util';
import type { Logger } from 'winston';
import { createPerMinuteLog, type Schedule } from './rate-limited-log.js';

/**
 * BullMQ and ioredis print with the console: BullMQ's "IMPORTANT! Eviction policy is … It should be "noeviction"" and
 * "Your redis options maxRetriesPerRequest must be null." (bullmq/dist/esm/classes/redis-connection.js), ioredis's
 * "[ioredis] Unhandled error event" (ioredis/built/Redis.js). Node prints its process warnings with console.error too
 * (lib/internal/process/warning.js, https://nodejs.org/api/process.html#event-warning). Raw, such lines would break
 * a log that is one JSON object per line.
 */
const METHODS = { error: 'error', warn: 'warn', info: 'info', log: 'info', debug: 'debug' } as const;

type Method = keyof typeof METHODS;

/** Lines a minute; past them, one summary line a minute with the count per console method. */
export const CONSOLE_LINES_PER_MINUTE = 20;

/** A printed line is cut to this many characters: a library that prints a whole payload must not flood the log. */
export const CONSOLE_LINE_CHARS = 4000;

export interface ConsoleCapture {
  /** Puts the console and the process warnings back as they were, and writes the summary still due. */
  restore(): void;
}

export interface ConsoleCaptureOptions {
  perMinute?: number;
  /** The console and the process to capture; the global ones when unset (tests pass their own). */
  console?: Console;
  process?: NodeJS.EventEmitter & { pid: number; release: { name: string }; noDeprecation?: boolean };
  now?: () => number;
  schedule?: Schedule;
}

type Printed =
  | { method: Method; text: string }
  | { method: 'warning'; text: string; warning: string; code: string | undefined };

function cut(text: string): string {
  return text.length > CONSOLE_LINE_CHARS ? `${text.slice(0, CONSOLE_LINE_CHARS)}...` : text;
}

/**
 * Replaces console.error, warn, info, log and debug with functions that log what they were given, at the level of
 * the method (log and info: info), with `source: "console"`; and logs each process warning once, at warn, with
 * `source: "process"`, instead of Node's own print of it. At most `perMinute` lines a minute of both together, then one
 * summary line a minute (`byMethod` counts process warnings under `warning`).
 */
export function captureConsole(logger: Logger, options: ConsoleCaptureOptions = {}): ConsoleCapture {
  const target = options.console ?? console;
  const proc = options.process ?? process;
  const perMinute = options.perMinute ?? CONSOLE_LINES_PER_MINUTE;
  const originals = new Map<Method, Console[Method]>();
  for (const method of Object.keys(METHODS) as Method[]) originals.set(method, target[method]);

  const log = createPerMinuteLog<Printed>({
    logger,
    perMinute,
    key: (printed) => printed.method,
    write: (printed) => {
      if (printed.method === 'warning') {
        const { text, warning, code } = printed;
        logger.warn(text, { source: 'process', warning, ...(code === undefined ? {} : { code }) });
      } else {
        logger.log(METHODS[printed.method], printed.text, { source: 'console', method: printed.method });
      }
    },
    summary: (suppressed) =>
      `Console output not logged line by line: ${suppressed} past the limit of ${perMinute} per minute.`,
    keysField: 'byMethod',
    now: options.now,
    schedule: options.schedule,
  });

  // Whatever the logger itself prints while it writes goes to the real console, not round again.
  let writing = false;
  // Node's own print of a warning that was logged already (see onWarning), recognised by its prefix.
  let warningsToSkip = 0;
  const nodePrefix = `(${proc.release.name}:${proc.pid}) `;

  for (const method of Object.keys(METHODS) as Method[]) {
    const original = originals.get(method) as Console[Method];
    target[method] = (...args: unknown[]) => {
      if (writing) {
        original.apply(target, args);
        return;
      }
      if (
        warningsToSkip > 0 &&
        method === 'error' &&
        typeof args[0] === 'string' &&
        args[0].startsWith(nodePrefix)
      ) {
        warningsToSkip -= 1;
        return;
      }
      writing = true;
      try {
        log.offer({ method, text: cut(format(...args)) });
      } finally {
        writing = false;
      }
    };
  }

  /**
   * Runs before Node's listener (prepended), which then prints the same warning with console.error in the same
   * emit; that print is skipped. Should Node's listener not print (--no-warnings, --redirect-warnings), the skip
   * is dropped once the emit is over.
   */
  const onWarning = (warning: Error & { code?: unknown }) => {
    if (warning.name === 'DeprecationWarning' && proc.noDeprecation === true) return;
    warningsToSkip += 1;
    queueMicrotask(() => (warningsToSkip = 0));
    writing = true;
    try {
      log.offer({
        method: 'warning',
        text: cut(warning.message),
        warning: warning.name,
        code: typeof warning.code === 'string' ? warning.code : undefined,
      });
    } finally {
      writing = false;
    }
  };
  proc.prependListener('warning', onWarning);

  let restored = false;
  return {
    restore() {
      if (restored) return;
      restored = true;
      proc.removeListener('warning', onWarning);
      for (const [method, original] of originals) target[method] = original;
      log.flush();
    },
  };
}
