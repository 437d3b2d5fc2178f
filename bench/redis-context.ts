// Context for the queue figures: redis-benchmark on this machine, against a redis-server with the forwarder's AOF settings.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestRedis } from '../test/helpers/redis-server.js';
import { track } from './phase.js';

const run = promisify(execFile);

/**
 * The plain commands closest to what BullMQ's scripts do per job (its Lua scripts, called with EVALSHA, cannot be
 * run by redis-benchmark): SET/HSET for the job hash, LPUSH/RPUSH/LPOP for the wait and active lists, ZADD for the
 * delayed, prioritized and completed sets.
 */
export const REDIS_COMMANDS = ['set', 'lpush', 'rpush', 'lpop', 'zadd', 'hset'] as const;

export interface RedisBenchmarkRow {
  command: string;
  pipeline: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RedisContext {
  version: string;
  clients: number;
  requests: number;
  dataBytes: number;
  rows: RedisBenchmarkRow[];
}

/** redis-benchmark's --csv: a header line, then `"SET","98039.22","0.263",…` per test. */
export function parseRedisBenchmarkCsv(csv: string, pipeline: number): RedisBenchmarkRow[] {
  const lines = csv.trim().split('\n');
  const header = (lines.shift() ?? '').split(',').map((cell) => cell.replaceAll('"', ''));
  const column = (name: string) => header.indexOf(name);
  return lines.map((line) => {
    const cells = line.split(',').map((cell) => cell.replaceAll('"', ''));
    const number = (name: string) => Number(cells[column(name)] ?? Number.NaN);
    return {
      command: cells[0] ?? '',
      pipeline,
      requestsPerSecond: Math.round(number('rps')),
      p50Ms: number('p50_latency_ms'),
      p99Ms: number('p99_latency_ms'),
    };
  });
}

/** Runs redis-benchmark at pipeline depths 1 and 16 on a private loopback redis-server (AOF everysec, noeviction). */
export async function measureRedis(requests: number, limitMs: number): Promise<RedisContext> {
  const clients = 50;
  const dataBytes = 3;
  const { stdout: version } = await run('redis-server', ['--version']);
  const redis = await startTestRedis();
  const cleanup = track(() => redis.cleanup());
  try {
    const rows: RedisBenchmarkRow[] = [];
    for (const pipeline of [1, 16]) {
      const { stdout } = await run(
        'redis-benchmark',
        [
          ...['-h', '127.0.0.1', '-p', String(redis.port)],
          ...['-c', String(clients), '-n', String(requests), '-d', String(dataBytes)],
          ...['-P', String(pipeline), '-t', REDIS_COMMANDS.join(','), '--csv'],
        ],
        { timeout: limitMs, killSignal: 'SIGKILL' },
      );
      rows.push(...parseRedisBenchmarkCsv(stdout, pipeline));
    }
    return { version: version.trim(), clients, requests, dataBytes, rows };
  } finally {
    await cleanup();
  }
}
