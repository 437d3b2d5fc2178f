// Worker processes killed mid-send: the job is recovered and delivered; past workers.maxStalledCount, dead-lettered.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDeadLetters } from '../../src/queue/dead-letters.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { spawnCli, type CliProcess } from '../helpers/cli.js';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startScriptedCollector, type ScriptedCollector } from '../helpers/scripted-collector.js';
import { completeJsonLines } from '../helpers/ndjson-file.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const body = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');
const RECORDS = 6;
// Small lock and check intervals keep each recovery to a few seconds; the waits below are far more generous, so a
// loaded machine only makes the test slower, never wrong.
const FAST_RECOVERY = { lockDurationMs: 2000, stalledIntervalMs: 1000 };
const PHASE_MS = 60_000;

let redis: TestRedis;
const workers: CliProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const worker of workers.splice(0)) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  await redis?.cleanup();
});

interface Setup {
  collector: ScriptedCollector;
  receiver: TestForwarder;
  /** Starts `start --role worker` as a child process on the shared Redis and queue prefix. */
  startWorker(): CliProcess;
  failed(): Promise<Awaited<ReturnType<Queue['getFailed']>>>;
  completed(): Promise<Awaited<ReturnType<Queue['getCompleted']>>>;
}

async function setup(workersConfig: Record<string, number>): Promise<Setup> {
  const collector = await startScriptedCollector({ status: 200 });
  cleanups.push(() => collector.close());
  // The receiver runs in this process; every worker is a separate process that the test kills.
  const receiver = await startForwarder({ redisUrl: redis.url, role: 'receiver' });
  cleanups.push(() => receiver.stop());
  const dir = mkdtempSync(join(tmpdir(), 'ssf-crash-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const configFile = join(dir, 'forwarder.yaml');
  writeFileSync(
    configFile,
    stringify({
      redis: { prefix: receiver.prefix },
      workers: { shutdownGraceMs: 1000, ...workersConfig },
      log: { level: 'debug', format: 'json' },
      // A request held by the collector stays in flight until the worker is killed.
      targets: [{ name: 'siem', type: 'http', format: 'json', url: collector.url, timeoutMs: 300_000 }],
    }),
  );
  const queue = new Queue('target-siem', {
    connection: workerConnectionOptions(redis.url),
    prefix: receiver.prefix,
  });
  queue.on('error', () => undefined);
  cleanups.push(() => queue.close());
  return {
    collector,
    receiver,
    startWorker() {
      const worker = spawnCli(['start', '--role', 'worker'], {
        REDIS_URL: redis.url,
        FORWARDER_CONFIG: configFile,
        DATA_DIR: dir,
      });
      workers.push(worker);
      return worker;
    },
    failed: () => queue.getFailed(),
    completed: () => queue.getCompleted(),
  };
}

async function kill(worker: CliProcess): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/** Waits until the collector holds `count` requests: the target job is active in `worker`. */
async function activeAgain(
  collector: ScriptedCollector,
  worker: CliProcess,
  count: number,
  what: string,
): Promise<void> {
  await waitFor(
    () => {
      // A worker that exited (a bad configuration, say) will never send: stop waiting and show why.
      if (worker.child.exitCode !== null) throw new Error(`the worker exited early:\n${worker.output()}`);
      return collector.arrivals.length >= count;
    },
    PHASE_MS,
    what,
  );
}

describe('worker killed mid-send', () => {
  it('two SIGKILLs in a row: the third worker delivers every record and nothing is dead-lettered', async () => {
    const { collector, receiver, startWorker, failed, completed } = await setup(FAST_RECOVERY);
    collector.script.push('hang', 'hang');

    const first = startWorker();
    expect((await postWebhook(receiver.webhookUrl, body)).status).toBe(202);
    await activeAgain(collector, first, 1, 'the first worker to send');
    await kill(first);

    const killedAt = Date.now();
    const second = startWorker();
    await activeAgain(collector, second, 2, 'the job to be recovered by the second worker');
    const recoveredMs = Date.now() - killedAt;
    await kill(second);

    startWorker();
    await waitFor(
      async () => {
        // A dead letter will never be delivered: stop waiting and say why it was dead-lettered.
        const [letter] = await failed();
        if (letter) throw new Error(`the job was dead-lettered: ${letter.failedReason}`);
        return collector.delivered().length === RECORDS;
      },
      PHASE_MS,
      'delivery by the third worker',
    );
    expect(new Set(collector.delivered()).size).toBe(RECORDS);
    expect(await failed()).toHaveLength(0);
    const [job] = await waitFor(async () => {
      const done = await completed();
      return done.length > 0 ? done : undefined;
    });
    // Both crashes were seen as stalls, and neither cost a retry attempt.
    expect(job?.stalledCounter).toBe(2);
    expect(job?.attemptsMade).toBe(1);
    console.log(`recovery after SIGKILL (worker restart included): ${recoveredMs} ms`);
  }, 240_000);

  it('a job that stalls more than workers.maxStalledCount times is dead-lettered, and the worker says so', async () => {
    const { collector, receiver, startWorker, failed } = await setup({
      ...FAST_RECOVERY,
      maxStalledCount: 1,
    });
    collector.script.push('hang', 'hang');

    const first = startWorker();
    expect((await postWebhook(receiver.webhookUrl, body)).status).toBe(202);
    await activeAgain(collector, first, 1, 'the first worker to send');
    await kill(first);
    const second = startWorker();
    await activeAgain(collector, second, 2, 'the job to be recovered by the second worker');
    await kill(second);

    const third = startWorker();
    const [letter] = await waitFor(
      async () => {
        const letters = await failed();
        return letters.length > 0 ? letters : undefined;
      },
      PHASE_MS,
      'the dead letter',
    );
    expect(letter?.failedReason).toBe('job stalled more than allowable limit');
    const line = await waitFor(
      () =>
        completeJsonLines<{ level: string; message: string; target?: string; code?: string }>(
          third.output(),
          (text) => text.startsWith('{'),
        ).find((entry) => entry.target === 'siem' && entry.message.includes('dead-letter queue')),
      10_000,
      'the dead-letter log line',
    );
    expect(line.level).toBe('error');
    expect(line.message).toMatch(/stalled/);
    expect(line.code).toBe('job_stalled');
    // BullMQ failed it without the processor: the worker stores the reason after the fact.
    const reason = await waitFor(
      async () => (await failed())[0]?.data.deadLetter as { code: string; attempts: number } | undefined,
      10_000,
      'the stored dead-letter reason',
    );
    expect(reason).toMatchObject({ code: 'job_stalled', attempts: letter?.attemptsMade });
    expect(collector.arrivals).toHaveLength(2);

    // A replay starts the stall count again: the replayed job survives one more crash instead of going straight back.
    collector.script.push('hang');
    const store = openDeadLetters({
      connection: workerConnectionOptions(redis.url),
      prefix: receiver.prefix,
      targets: ['siem'],
    });
    const { letters } = await store.select('siem', 'all');
    expect((await store.replay(letters)).replayed).toHaveLength(1);
    await store.close();
    await activeAgain(collector, third, 3, 'the replayed job to be sent');
    await kill(third);
    startWorker();
    await waitFor(
      async () => {
        const [again] = await failed();
        if (again) throw new Error(`the replayed job was dead-lettered: ${again.failedReason}`);
        return collector.delivered().length === RECORDS;
      },
      PHASE_MS,
      'delivery of the replayed job after one more crash',
    );
  }, 240_000);
});
