// A worker whose blocking connection never comes back while Redis answers: not ready, then rebuilt, then delivering.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createIORedisClient, Queue, RedisConnection } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { startPipelineWorkers, type PipelineWorkers } from '../../src/lifecycle/pipeline-workers.js';
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

describe('a stuck blocking connection', () => {
  let workers: PipelineWorkers | undefined;
  afterAll(async () => {
    await workers?.close(1000);
  });

  it('makes the worker not ready, and the worker is rebuilt and delivers again', async () => {
    const prefix = `s${randomUUID().slice(0, 8)}`;
    const outFile = join(dir, 'records.ndjson');
    const config = configSchema.parse({
      dataDir: dir,
      redis: { url: fx.redis.url, prefix },
      workers: { shutdownGraceMs: 1000 },
      targets: [{ name: 'out', type: 'file', format: 'json', path: outFile }],
    });
    const link = new Redis(fx.redis.url, { maxRetriesPerRequest: 1 });
    cleanups.push(async () => link.disconnect());
    const stream = new PassThrough();
    let logs = '';
    stream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    workers = startPipelineWorkers({
      connection: workerConnectionOptions(fx.redis.url),
      config,
      counters: new Counters(),
      logger: createLogger({ level: 'info', format: 'json', stream }),
      // As the daemon's link connection: a client of its own.
      redisAnswers: async () => (await link.ping().catch(() => '')) === 'PONG',
      watch: { everyMs: 200, stuckAfterMs: 1500 },
    });
    const running = workers;
    const allReady = async () => (await running.probe(1000)).every((check) => check.ok);
    await waitFor(allReady, 20_000, 'every worker to be ready');

    // BullMQ names a blocking connection `<prefix>:<base64 of the queue name>`.
    const queueName = targetQueueName('out');
    const tag = `${prefix}:${Buffer.from(queueName).toString('base64')}`;
    const target = blocking.find((entry) => entry.name.startsWith(tag));
    expect(target).toBeDefined();
    // The connection ends and every attempt to connect it again hangs: BullMQ's own reconnection (which heals a plain
    // disconnect) waits forever, as with the hung reconnects after a failover (bullmq redis-connection.js, #4585).
    const client = target?.client as Redis;
    client.connect = () => new Promise<void>(() => undefined);
    client.disconnect();

    const notReady = await waitFor(
      async () =>
        (await running.probe(1000)).find((check) => check.name === `worker ${queueName}` && !check.ok),
      10_000,
      'the target worker to report not ready',
    );
    expect(notReady.detail).toMatch(/connection is (end|close)/);
    await waitFor(() => logs.includes('restarting that worker'), 20_000, 'the worker to be rebuilt');
    await waitFor(allReady, 20_000, 'every worker to be ready again');

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
    expect(
      JSON.parse(logs.split('\n').find((line) => line.includes('restarting that worker')) ?? '{}'),
    ).toMatchObject({
      level: 'warn',
      worker: queueName,
    });
  }, 90_000);

  it('rebuilds a worker that stopped fetching while its connections report ready, and it delivers again', async () => {
    const prefix = `i${randomUUID().slice(0, 8)}`;
    const outFile = join(dir, 'idle-records.ndjson');
    const config = configSchema.parse({
      dataDir: dir,
      redis: { url: fx.redis.url, prefix },
      workers: { shutdownGraceMs: 1000 },
      targets: [{ name: 'out', type: 'file', format: 'json', path: outFile }],
    });
    const stream = new PassThrough();
    let logs = '';
    stream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
    const idleWorkers = startPipelineWorkers({
      connection: workerConnectionOptions(fx.redis.url),
      config,
      counters: new Counters(),
      logger: createLogger({ level: 'info', format: 'json', stream }),
      watch: { everyMs: 200, stuckAfterMs: 60_000, idleAfterMs: 1500 },
    });
    cleanups.push(() => idleWorkers.close(1000).then(() => undefined));
    await waitFor(
      async () => (await idleWorkers.probe(1000)).every((check) => check.ok),
      20_000,
      'every worker to be ready',
    );
    const queueName = targetQueueName('out');
    const tag = `${prefix}:${Buffer.from(queueName).toString('base64')}`;
    const target = blocking.find((entry) => entry.name.startsWith(tag));
    expect(target).toBeDefined();
    // Every wait for a job from now on hangs, and nothing can reset the connection: it stays "ready" while the worker
    // waits forever, as after a failover that left a blocking command unanswered (bullmq #3088).
    const client = target?.client as Redis;
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: Parameters<Redis['sendCommand']>[0]) =>
      command.name === 'bzpopmin' ? new Promise(() => undefined) : send(command)) as Redis['sendCommand'];
    client.disconnect = () => undefined;
    // The wait in flight when the patch went in ends within BullMQ's drain delay; the next one hangs.
    await new Promise((resolve) => setTimeout(resolve, 6_000));

    const queue = new Queue(queueName, { connection: workerConnectionOptions(fx.redis.url), prefix });
    try {
      await queue.add('deliver', targetJobData(`d-${randomUUID().slice(0, 8)}`, 'out'));
      await waitFor(
        () => logs.includes('Jobs waited with none active'),
        20_000,
        'the idle worker to be rebuilt',
      );
      await waitFor(
        () => completeNdjsonLines(outFile).length > 0,
        20_000,
        'a record from the rebuilt worker',
      );
    } finally {
      await queue.close();
    }
    expect(
      JSON.parse(logs.split('\n').find((line) => line.includes('Jobs waited with none active')) ?? '{}'),
    ).toMatchObject({ level: 'warn', worker: queueName });
  }, 90_000);
});
