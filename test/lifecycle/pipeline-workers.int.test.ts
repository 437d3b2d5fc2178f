// Workers that stop taking jobs are rebuilt: a blocking connection that never comes back while Redis answers, and a
// worker that stopped fetching while every connection reports ready.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createIORedisClient, Queue, RedisConnection } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { startPipelineWorkers, type PipelineWorkersOptions } from '../../src/lifecycle/pipeline-workers.js';
import { targetQueueName } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { completeNdjsonLines } from '../helpers/ndjson-file.js';
import { waitFor } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';

const fx = useTestRedis();
const { cleanups } = fx;
const dir = mkdtempSync(join(tmpdir(), 'ssf-stuck-'));
/** The blocking connections BullMQ opens, by connection name: the test breaks one of them for good. */
const blocking: Array<{ name: string; client: Redis }> = [];

beforeAll(() => {
  // The client factory BullMQ offers for other drivers (bullmq redis-connection.d.ts), used here to see its clients.
  RedisConnection.clientFactory = (options: RedisOptions) => {
    const client = new Redis(options);
    if (options.connectionName !== undefined) blocking.push({ name: options.connectionName, client });
    return createIORedisClient(client);
  };
});
afterAll(() => {
  RedisConnection.clientFactory = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Pipeline workers on the test Redis with one file target, their log, and the target queue's blocking client. */
function startWatched(
  watch: PipelineWorkersOptions['watch'],
  redisAnswers?: PipelineWorkersOptions['redisAnswers'],
) {
  const prefix = `w${randomUUID().slice(0, 8)}`;
  const outFile = join(dir, `${prefix}.ndjson`);
  const config = configSchema.parse({
    dataDir: dir,
    redis: { url: fx.redis.url, prefix },
    workers: { shutdownGraceMs: 1000 },
    targets: [{ name: 'out', type: 'file', format: 'json', path: outFile }],
  });
  const stream = new PassThrough();
  let logs = '';
  stream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
  const workers = startPipelineWorkers({
    connection: workerConnectionOptions(fx.redis.url),
    config,
    counters: new Counters(),
    logger: createLogger({ level: 'info', format: 'json', stream }),
    ...(redisAnswers ? { redisAnswers } : {}),
    watch,
  });
  cleanups.push(() => workers.close(1000).then(() => undefined));
  const queueName = targetQueueName('out');
  return {
    workers,
    queueName,
    allReady: async () => (await workers.probe(1000)).every((check) => check.ok),
    /** The first line of the log that includes `text`, parsed; undefined while there is none. */
    logLine(text: string): Record<string, unknown> | undefined {
      const line = logs.split('\n').find((candidate) => candidate.includes(text));
      return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
    },
    /** The target worker's blocking connection: BullMQ names it `<prefix>:<base64 of the queue name>`. */
    blockingClient(): Redis {
      const tag = `${prefix}:${Buffer.from(queueName).toString('base64')}`;
      const found = blocking.find((entry) => entry.name.startsWith(tag));
      expect(found).toBeDefined();
      return found?.client as Redis;
    },
    /** Adds a target job and waits for its record in the file. */
    async delivers(): Promise<void> {
      const queue = new Queue(queueName, { connection: workerConnectionOptions(fx.redis.url), prefix });
      try {
        await queue.add('deliver', targetJobData(`d-${randomUUID().slice(0, 8)}`, 'out'));
        await waitFor(
          () => completeNdjsonLines(outFile).length > 0,
          20_000,
          'a record from the rebuilt worker',
        );
      } finally {
        await queue.close();
      }
    },
  };
}

describe('workers that stop taking jobs', () => {
  it('a stuck blocking connection makes the worker not ready, and the worker is rebuilt and delivers again', async () => {
    const link = new Redis(fx.redis.url, { maxRetriesPerRequest: 1 });
    cleanups.push(async () => link.disconnect());
    // As the daemon's link connection: a client of its own.
    const watched = startWatched(
      { everyMs: 200, stuckAfterMs: 1500 },
      async () => (await link.ping().catch(() => '')) === 'PONG',
    );
    await waitFor(watched.allReady, 20_000, 'every worker to be ready');
    // The connection ends and every attempt to connect it again hangs: BullMQ's own reconnection (which heals a plain
    // disconnect) waits forever, as with the hung reconnects after a failover (bullmq redis-connection.js, #4585).
    const client = watched.blockingClient();
    client.connect = () => new Promise<void>(() => undefined);
    client.disconnect();

    const notReady = await waitFor(
      async () =>
        (await watched.workers.probe(1000)).find(
          (check) => check.name === `worker ${watched.queueName}` && !check.ok,
        ),
      10_000,
      'the target worker to report not ready',
    );
    expect(notReady.detail).toMatch(/connection is (end|close)/);
    await waitFor(() => watched.logLine('connections stayed down'), 20_000, 'the worker to be rebuilt');
    await waitFor(watched.allReady, 20_000, 'every worker to be ready again');
    await watched.delivers();
    expect(watched.logLine('connections stayed down')).toMatchObject({
      level: 'warn',
      worker: watched.queueName,
    });
  }, 90_000);

  it('rebuilds a worker that stopped fetching while its connections report ready, and it delivers again', async () => {
    const watched = startWatched({ everyMs: 200, stuckAfterMs: 60_000, idleAfterMs: 1500 });
    await waitFor(watched.allReady, 20_000, 'every worker to be ready');
    // Every wait for a job from now on hangs, and nothing can reset the connection: it stays "ready" while the worker
    // waits forever, as after a failover that left a blocking command unanswered (bullmq #3088).
    const client = watched.blockingClient();
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: Parameters<Redis['sendCommand']>[0]) =>
      command.name === 'bzpopmin' ? new Promise(() => undefined) : send(command)) as Redis['sendCommand'];
    client.disconnect = () => undefined;
    // The wait in flight when the patch went in ends within BullMQ's drain delay; the next one hangs.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await watched.delivers();
    expect(watched.logLine('Jobs waited with none active')).toMatchObject({
      level: 'warn',
      worker: watched.queueName,
    });
  }, 90_000);
});
