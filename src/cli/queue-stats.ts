// `snyk-siem-forwarder queue stats`: depth of every queue by state, oldest waiting age and dead letters, once or watched.
import { loadConfig } from '../config/load.js';
import { waitForReady } from '../lifecycle/readiness.js';
import { QUEUE_STATES, readQueueStats, type ForwarderStats } from '../queue/queue-stats.js';
import { openAdminRedis } from '../redis/admin-connection.js';
import { createProducerClient } from '../redis/connection.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';

export const QUEUE_HELP = `Usage: snyk-siem-forwarder queue stats [--watch [--interval SECONDS]] [--json] [--config FILE]

Prints the jobs of every queue (ingest, and each target's) by state, the age of the oldest job
waiting to be sent, and the dead letters (the failed state), as read from Redis: the same numbers
as the queue gauges of /metrics. Read-only; with the embedded Redis it attaches to the running
forwarder's redis-server.

Options:
  -w, --watch          Redraw every --interval seconds until Ctrl-C (SIGINT) or SIGTERM
  -i, --interval S     Seconds between reads with --watch, 1 to 3600 (default 2)
      --json           One JSON object per read (one line each with --watch)
  -c, --config FILE    Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -h, --help           Show this help
`;

/** "4m 10s", "2h 3m", "0s": the age column. */
export function formatAge(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

function when(seconds: number): string {
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : 'never';
}

/** The table: one row per queue, columns aligned; the dead letters are the failed state. */
export function renderTable(stats: ForwarderStats): string {
  const states = QUEUE_STATES.filter((state) => state !== 'failed');
  const header = ['QUEUE', ...states.map((state) => state.toUpperCase()), 'DEAD-LETTERS', 'OLDEST-WAITING'];
  const rows = stats.queues.map((queue) => [
    queue.queue,
    ...states.map((state) => String(queue.counts[state])),
    String(queue.deadLetters),
    formatAge(queue.oldestWaitingAgeSeconds),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    ...rows.map(line),
    '',
    `Read at ${new Date(stats.readAt).toISOString()}; Snyk's last delivery: ${when(stats.lastDeliveryAt)}, last ping: ${when(stats.lastPingAt)}.`,
    '',
  ].join('\n');
}

interface Stop {
  value: boolean;
  /** Ends the current wait at once. */
  wake?: () => void;
}

/** Waits `ms`, or less when a stop comes meanwhile. */
function waitUnlessStopped(ms: number, stopped: Stop): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopped.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

export async function runQueue(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    watch: { type: 'boolean', short: 'w' },
    interval: { type: 'string', short: 'i' },
    json: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
  });
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(QUEUE_HELP);
    return values.help ? 0 : 2;
  }
  if (action !== 'stats') throw new UsageError(`unknown queue action "${action}"; the one action is "stats"`);
  if (rest.length > 0) throw new UsageError(`queue stats takes no arguments, got ${rest.join(' ')}`);
  if (values.interval !== undefined && !values.watch) throw new UsageError('--interval applies to --watch');
  const interval = Number(values.interval ?? 2);
  if (!Number.isFinite(interval) || interval < 1 || interval > 3600)
    throw new UsageError('--interval must be a number of seconds from 1 to 3600');

  const { config } = loadConfig({ configFile: values.config });
  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });
  const redis = await openAdminRedis(config, logger);
  const client = createProducerClient(redis.endpoint, 5000);
  // Reconnection errors are reported per read below; the event itself would only repeat them.
  client.on('error', () => undefined);
  const targets = config.targets.map((target) => target.name);
  const read = () => readQueueStats(client, config.redis.prefix, targets);
  const print = (stats: ForwarderStats) =>
    process.stdout.write(values.json ? `${JSON.stringify(stats)}\n` : renderTable(stats));
  try {
    await waitForReady(client, 5000);
    if (!values.watch) {
      print(await read());
      return 0;
    }
    const stopped: Stop = { value: false };
    const stop = () => {
      stopped.value = true;
      stopped.wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Redrawn in place on a terminal (cursor home, clear screen: ECMA-48 CUP and ED); appended when piped.
    const redraw = process.stdout.isTTY === true && !values.json;
    try {
      while (!stopped.value) {
        try {
          const stats = await read();
          if (redraw) process.stdout.write('\u001b[H\u001b[2J');
          print(stats);
        } catch (error) {
          // Redis may come back: say so and keep watching.
          process.stderr.write(`queue stats: could not read Redis: ${(error as Error).message}\n`);
        }
        if (!stopped.value) await waitUnlessStopped(interval * 1000, stopped);
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  } finally {
    client.disconnect();
    await redis.close();
  }
}
