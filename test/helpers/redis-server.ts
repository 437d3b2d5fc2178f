// Starts a private redis-server on a free loopback port for one test file, and lets fault tests stop and restart it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { freePort } from './free-port.js';
import { redisServerArgs, waitForPing } from './redis-node.js';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** The server's process id while it runs. */
  readonly pid: number;
  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a hung host. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  /** Stops the server (SIGTERM, AOF flushed), keeping its data directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  cleanup(): Promise<void>;
  /** The last lines of the server's own log. */
  logTail(lines?: number): string;
}

export interface TestRedisOptions {
  /**
   * `everysec` (the default, as the embedded server) or `always`. Under `everysec` Redis may postpone its write(2) to
   * the AOF for up to 2 s while a background fsync is slow, and still answer: a SIGKILL then loses acknowledged
   * writes (redis.conf, "appendfsync"; aof.c, flushAppendOnlyFile). `always` writes and fsyncs before it answers.
   */
  appendfsync?: 'everysec' | 'always';
}

export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ssf-redis-'));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      'redis-server',
      [
        ...redisServerArgs(port, dir),
        '--appendfsync',
        options.appendfsync ?? 'everysec',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    );
    await waitForPing(port, 10_000);
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      // A paused server would never see the SIGTERM.
      running.kill('SIGCONT');
      running.kill('SIGTERM');
      // Redis refuses SIGTERM while it writes an initial AOF (after CONFIG SET appendonly yes): never hang a test.
      setTimeout(() => running.kill('SIGKILL'), 5000).unref();
    });
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? 0;
    },
    logTail: (lines = 40) =>
      existsSync(join(dir, 'redis.log'))
        ? readFileSync(join(dir, 'redis.log'), 'utf8')
            .split('\n')
            .slice(-lines - 1)
            .join('\n')
        : '',
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    start,
    stop,
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers hooks that give a test file one redis-server, and a list of cleanups that run after each test (last
 * registered first). Read `redis` inside tests, once the hooks ran.
 */
export function useTestRedis(): { readonly redis: TestRedis; cleanups: Array<() => Promise<void>> } {
  let redis: TestRedis | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  afterAll(async () => {
    await redis?.cleanup();
  });
  return {
    get redis() {
      if (!redis) throw new Error('useTestRedis: redis is not started yet');
      return redis;
    },
    cleanups,
  };
}
