// Starts a forwarder in this process against a test Redis, with a file target in a temp dir and captured logs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll } from 'vitest';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { startDaemon, type Daemon, type Role } from '../../src/daemon.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startTestRedis, type TestRedis } from './redis-server.js';
import { completeNdjsonLines } from './ndjson-file.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef';

export interface TestForwarder {
  daemon: Daemon;
  url: string;
  webhookUrl: string;
  outFile: string;
  prefix: string;
  dataDir: string;
  logs(): string;
  /** Every JSON line logged so far, parsed. */
  logLines(): Array<Record<string, unknown>>;
  /** The records written to the file target, parsed (json format). */
  records(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface ForwarderOptions {
  redisUrl: string;
  role?: Role;
  /** Extra config merged over the defaults (targets, receiver, retry...). */
  config?: Record<string, unknown>;
  prefix?: string;
}

export async function startForwarder(options: ForwarderOptions): Promise<TestForwarder> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ssf-fwd-'));
  const outFile = join(dataDir, 'out', 'records.ndjson');
  const prefix = options.prefix ?? `t${randomUUID().slice(0, 8)}`;
  const overrides = options.config ?? {};
  const config: Config = configSchema.parse({
    dataDir,
    receiver: { host: '127.0.0.1', port: 0, secrets: [TEST_SECRET], ...(overrides.receiver as object) },
    redis: { url: options.redisUrl, prefix, ...(overrides.redis as object) },
    retry: { baseDelayMs: 50, maxDelayMs: 500, ...(overrides.retry as object) },
    workers: { shutdownGraceMs: 5000, ...(overrides.workers as object) },
    log: { level: 'debug', format: 'json' },
    // Port 0: several forwarders run at once, in this process and in other test files.
    admin: { host: '127.0.0.1', port: 0, ...(overrides.admin as object) },
    targets: overrides.targets ?? [{ name: 'out', type: 'file', format: 'json', path: outFile }],
  });
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (chunk: Buffer) => {
    captured += chunk.toString('utf8');
  });
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  const daemon = await startDaemon({ config, role: options.role ?? 'all', logger });
  const url = daemon.receiverUrl ?? '';
  return {
    daemon,
    url,
    webhookUrl: `${url}${config.receiver.path}`,
    outFile,
    prefix,
    dataDir,
    logs: () => captured,
    logLines: () =>
      captured
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    records: () => completeNdjsonLines(outFile),
    async stop() {
      await daemon.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until the check passes or the deadline passes; bounded in time. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ForwarderFixture {
  readonly redis: TestRedis;
  readonly forwarder: TestForwarder;
}

/**
 * Registers beforeAll/afterAll hooks that give the test file its own redis-server and a forwarder on it.
 * Read `fixture.redis` and `fixture.forwarder` inside tests (they are set once the hooks ran).
 */
export function useForwarder(options: Omit<ForwarderOptions, 'redisUrl'> = {}): ForwarderFixture {
  let redis: TestRedis | undefined;
  let forwarder: TestForwarder | undefined;
  beforeAll(async () => {
    redis = await startTestRedis();
    forwarder = await startForwarder({ ...options, redisUrl: redis.url });
  });
  afterAll(async () => {
    await forwarder?.stop();
    await redis?.cleanup();
  });
  return {
    get redis() {
      if (!redis) throw new Error('useForwarder: redis is not started yet');
      return redis;
    },
    get forwarder() {
      if (!forwarder) throw new Error('useForwarder: forwarder is not started yet');
      return forwarder;
    },
  };
}

/** The failed set (dead letters) of one target's queue, read through a short-lived queue. */
export async function deadLettersOf(redisUrl: string, prefix: string, target: string) {
  const queue = new Queue(`target-${target}`, { connection: workerConnectionOptions(redisUrl), prefix });
  try {
    return await queue.getFailed();
  } finally {
    await queue.close();
  }
}
