// Completed jobs are kept small and not for long: no record bodies, no raw body, removed after workers.keepCompletedSeconds.
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { retrySchema, workersSchema } from '../../src/config/schema.js';
import type { TargetJobData, IngestJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { fileTargetSchema } from '../../src/targets/file/config.js';
import { buildFileTarget } from '../../src/targets/file/target.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createTargetWorker } from '../../src/workers/target-worker.js';
import { createIngestWorker } from '../../src/workers/ingest-worker.js';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { fixture, postWebhook, freshSnapshot } from '../helpers/webhook.js';

const fx = useTestRedis();
const { cleanups } = fx;

const snapshot = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');
const RECORDS_PER_DELIVERY = 6;

async function forwarder(config: Record<string, unknown> = {}, role?: 'receiver'): Promise<TestForwarder> {
  const started = await startForwarder({ redisUrl: fx.redis.url, config, ...(role ? { role } : {}) });
  cleanups.push(() => started.stop());
  return started;
}

function queueOf<T>(started: TestForwarder, name: string): Queue<T> {
  const queue = new Queue<T>(name, {
    connection: workerConnectionOptions(fx.redis.url),
    prefix: started.prefix,
  });
  queue.on('error', () => undefined);
  cleanups.push(() => queue.close());
  return queue;
}

async function post(started: TestForwarder, body: Buffer | string = freshSnapshot()): Promise<string> {
  const answer = await postWebhook(started.webhookUrl, body);
  expect(answer.status).toBe(202);
  return String(answer.body.deliveryId);
}

/** A snapshot with `count` new issues: the fixture's five, repeated under new ids. */
function snapshotWithIssues(count: number): Buffer {
  const payload = JSON.parse(snapshot.toString('utf8')) as {
    newIssues: Array<{ id: string; issueData: { id: string } }>;
  };
  const issues = payload.newIssues;
  payload.newIssues = Array.from({ length: count }, (_, n) => {
    const issue = structuredClone(issues[n % issues.length]) as (typeof issues)[number];
    issue.id = `${issue.id}-${n}`;
    issue.issueData.id = issue.id;
    return issue;
  });
  return Buffer.from(JSON.stringify(payload));
}

describe('completed jobs', () => {
  it('a delivered job keeps no record bodies, and its ingest job no raw body', async () => {
    const started = await forwarder();
    const deliveryQueue = queueOf<TargetJobData>(started, targetQueueName('out'));
    const ingestQueue = queueOf<IngestJobData>(started, INGEST_QUEUE);
    const deliveryId = await post(started);
    await waitFor(() => started.records().length === RECORDS_PER_DELIVERY, 15_000, 'the records');
    const delivery = await waitFor(async () => {
      const job = await deliveryQueue.getJob(`${deliveryId}-out`);
      return job?.finishedOn ? job : undefined;
    });
    expect(delivery.data.records).toEqual([]);
    expect(delivery.data.deliveredCount).toBe(RECORDS_PER_DELIVERY);
    expect(delivery.returnvalue).toBe(RECORDS_PER_DELIVERY);
    const ingest = await waitFor(async () => {
      const job = await ingestQueue.getJob(deliveryId);
      return job?.finishedOn ? job : undefined;
    });
    expect(ingest.data.body).toBe('');
    expect(ingest.data.transportId).not.toBe('');
  });

  it('a completed ingest job that runs again completes without sending its deliveries twice', async () => {
    const started = await forwarder();
    const deliveryId = await post(started);
    const ingestQueue = queueOf<IngestJobData>(started, INGEST_QUEUE);
    const first = await waitFor(async () => {
      const job = await ingestQueue.getJob(deliveryId);
      return job?.finishedOn ? job : undefined;
    });
    await waitFor(() => started.records().length === RECORDS_PER_DELIVERY, 15_000, 'the records');
    // Run it again, as a stalled-job check would after a worker died between the fan-out and the completion.
    await first.retry('completed');
    const again = await waitFor(
      async () => {
        const job = await ingestQueue.getJob(deliveryId);
        return job?.finishedOn && job.processedOn !== first.processedOn ? job : undefined;
      },
      15_000,
      'the ingest job to complete again',
    );
    expect(await ingestQueue.getFailedCount()).toBe(0);
    expect(again.returnvalue).toEqual({ records: { out: RECORDS_PER_DELIVERY } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(started.records()).toHaveLength(RECORDS_PER_DELIVERY);
  });

  it('completed jobs older than workers.keepCompletedSeconds are removed when later jobs complete', async () => {
    const started = await forwarder({ workers: { keepCompletedSeconds: 1 } });
    const ingestQueue = queueOf<IngestJobData>(started, INGEST_QUEUE);
    const deliveryQueue = queueOf<TargetJobData>(started, targetQueueName('out'));
    const old = await post(started);
    await waitFor(async () => (await deliveryQueue.getJob(`${old}-out`))?.finishedOn, 15_000, 'delivery');
    // BullMQ removes aged jobs only when another job of the queue completes (its KeepJobs type says so).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const fresh = await post(started);
    await waitFor(async () => (await deliveryQueue.getJob(`${fresh}-out`))?.finishedOn, 15_000, 'delivery');
    await waitFor(async () => (await ingestQueue.getJob(fresh))?.finishedOn, 15_000, 'ingest');
    expect(await ingestQueue.getJob(old)).toBeUndefined();
    expect(await deliveryQueue.getJob(`${old}-out`)).toBeUndefined();
    expect((await ingestQueue.getCompleted()).map((job) => job.id)).toEqual([fresh]);
    expect((await deliveryQueue.getCompleted()).map((job) => job.id)).toEqual([`${fresh}-out`]);
  });

  it('a completed delivery takes the same few bytes in Redis whatever the size of the snapshot', async () => {
    const receiver = await forwarder({}, 'receiver');
    const admin = new Redis(fx.redis.url);
    cleanups.push(async () => void admin.disconnect());
    const bytes = async (queue: string, id: string): Promise<number> =>
      Number(await admin.call('MEMORY', 'USAGE', `${receiver.prefix}:${queue}:${id}`, 'SAMPLES', '0'));
    const logger = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
    const connection = workerConnectionOptions(fx.redis.url);
    const config = fileTargetSchema.parse({
      name: 'out',
      type: 'file',
      format: 'json',
      path: `${receiver.dataDir}/measured.ndjson`,
    });
    const workers = workersSchema.parse({});
    const retry = retrySchema.parse({});
    const ingestQueue = queueOf<IngestJobData>(receiver, INGEST_QUEUE);
    const deliveryQueue = queueOf<TargetJobData>(receiver, targetQueueName('out'));
    const rows: Array<{ issues: number; [k: string]: number }> = [];

    for (const issues of [5, 500]) {
      const body = issues === 5 ? snapshot : snapshotWithIssues(issues);
      const id = await post(receiver, body);
      const pendingIngest = await bytes(INGEST_QUEUE, id);
      // Fan out with no target worker running, so the target job waits and can be measured.
      const ingest = createIngestWorker({
        connection,
        prefix: receiver.prefix,
        concurrency: 1,
        targets: [config],
        retry,
        keepCompleted: workers.keepCompleted,
        workers,
        logger,
      });
      await waitFor(async () => (await ingestQueue.getJob(id))?.finishedOn, 20_000, 'the fan-out');
      await ingest.close(1000);
      const pendingDelivery = await bytes(targetQueueName('out'), `${id}-out`);
      const delivery = createTargetWorker({
        connection,
        prefix: receiver.prefix,
        config,
        target: buildFileTarget(config, { logger }),
        retry,
        workers,
        counters: new Counters(),
        logger,
      });
      await waitFor(async () => (await deliveryQueue.getJob(`${id}-out`))?.finishedOn, 20_000, 'delivery');
      await delivery.close(1000);
      rows.push({
        issues,
        bodyBytes: body.length,
        pendingIngest,
        completedIngest: await bytes(INGEST_QUEUE, id),
        pendingDelivery,
        completedDelivery: await bytes(targetQueueName('out'), `${id}-out`),
      });
    }
    console.log('Redis bytes per job (MEMORY USAGE of the job hash):');
    console.table(rows);
    const [small, large] = rows;
    expect(large?.pendingDelivery).toBeGreaterThan(100 * 1024);
    for (const row of rows) {
      expect(row.completedDelivery).toBeLessThan(2048);
      expect(row.completedIngest).toBeLessThan(2048);
    }
    expect(Math.abs((large?.completedDelivery ?? 0) - (small?.completedDelivery ?? 0))).toBeLessThan(256);
  }, 120_000);
});
