// Errors that connections, queues and log transports emit with no caller to catch them: each one logged and counted.
import winston, { type Logger } from 'winston';
import type { Counters } from './counters.js';
import { createPerMinuteLog, type RateLimitedLog } from './rate-limited-log.js';
import { noteRedisError } from './redis-link-log.js';

/**
 * The `component` label of the `client_errors_total` counter: one value per kind of client, never anything that varies, and
 * the level of its log lines.
 */
export const CLIENT_COMPONENTS = {
  log_transport: {
    level: 'warn',
    what: "a transport of the forwarder's own log (`log.syslog`); written to stderr, never through the log itself",
  },
  embedded_redis_probe: {
    level: 'debug',
    what: 'the short-lived client that asks whether the embedded redis-server answers: it fails while the server starts',
  },
  redis_check: { level: 'warn', what: 'the client that checks the Redis settings at start' },
  receiver_redis: { level: 'warn', what: "the receiver's Redis connection" },
  ingest_queue: {
    level: 'warn',
    what: "the receiver's ingest queue, which shares the receiver's connection: an outage shows under both",
  },
  target_queue: {
    level: 'warn',
    what: "a target worker's queue, through which it pauses a target on `Retry-After`",
  },
  fan_out_queue: {
    level: 'warn',
    what: 'the target queues of a fan-out thread, reported to the main thread, which has the counters',
  },
  admin_redis: {
    level: 'warn',
    what: "the admin listener's Redis connection: queue gauges of /metrics, the queue dashboard's queues",
  },
  reconcile_queue: {
    level: 'warn',
    what: "reconciliation's queues (src/reconcile/): its schedule's queue and worker, and the target queues it adds reconciled records to",
  },
  failure_marks: {
    level: 'warn',
    what: "reading or writing a job's failure marks (src/queue/failures.ts): its dead letter's `firstFailedAt` may be late",
  },
} as const satisfies Record<string, { level: 'warn' | 'debug'; what: string }>;

export type ClientComponent = keyof typeof CLIENT_COMPONENTS;

/** Lines a minute per component; past them, one summary line a minute with the count. */
export const CLIENT_ERRORS_PER_MINUTE = 10;

interface ClientErrorEntry {
  component: ClientComponent;
  error: string;
}

/** Where client errors go: a logger, rate-limited per component, and the counters that count them (if any). */
interface Sink {
  logger: Logger;
  counters: Counters | undefined;
  logs: Map<ClientComponent, RateLimitedLog<ClientErrorEntry>>;
}

function sinkFor(logger: Logger, counters: Counters | undefined): Sink {
  return { logger, counters, logs: new Map() };
}

function offer(sink: Sink, entry: ClientErrorEntry): void {
  let log = sink.logs.get(entry.component);
  if (log === undefined) {
    const { level } = CLIENT_COMPONENTS[entry.component];
    log = createPerMinuteLog<ClientErrorEntry>({
      logger: sink.logger,
      level,
      perMinute: CLIENT_ERRORS_PER_MINUTE,
      key: (logged) => logged.component,
      write: (logged) => sink.logger.log(level, 'Client error event.', logged),
      summary: (suppressed) =>
        `Client errors not logged one by one: ${suppressed} past the limit of ${CLIENT_ERRORS_PER_MINUTE} per minute.`,
      keysField: 'byComponent',
    });
    sink.logs.set(entry.component, log);
  }
  log.offer(entry);
}

/**
 * Process-wide, because three of the clients are created where no daemon's Counters is in reach: the log transport
 * (the logger exists before the daemon), the embedded-Redis probe (src/redis/embedded.ts) and the fan-out threads. The
 * daemon attaches its logger and counters while it runs; without one, lines go to stderr.
 */
const sinks = new Set<Sink>();
let stderrSink: Sink | undefined;

/**
 * Builds the stderr log. logger.ts sets it to one of its own, which scrubs secrets; it cannot be imported here, since
 * it reports its transports' errors through this module. The plain JSON log is for a process that never loaded it.
 */
let stderrLog = (): Logger =>
  winston.createLogger({
    level: 'warn',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: process.stderr })],
  });

export function useStderrLog(make: () => Logger): void {
  stderrLog = make;
}

/** Logs (rate-limited) and counts one error event of a client. */
export function reportClientError(component: ClientComponent, error: unknown): void {
  const entry = { component, error: error instanceof Error ? error.message : String(error) };
  // Every other component is a Redis client: its error makes the link log ask whether Redis is still there.
  if (component !== 'log_transport') noteRedisError(component, error);
  for (const sink of sinks) sink.counters?.increment('client_errors_total', { component });
  // A failing log transport cannot carry the line that reports it; stderr is written by its own stream transport.
  if (component === 'log_transport' || sinks.size === 0) {
    stderrSink ??= sinkFor(stderrLog(), undefined);
    offer(stderrSink, entry);
    return;
  }
  for (const sink of sinks) offer(sink, entry);
}

/** An 'error' listener that reports to reportClientError. */
export function clientErrorListener(component: ClientComponent): (error: unknown) => void {
  return (error) => reportClientError(component, error);
}

/** Sends client errors to this logger and counters until detach(), which also writes the summaries still due. */
export function attachClientErrors(logger: Logger, counters: Counters): { detach(): void } {
  const sink = sinkFor(logger, counters);
  sinks.add(sink);
  return {
    detach() {
      if (!sinks.delete(sink)) return;
      for (const log of sink.logs.values()) log.flush();
    },
  };
}
