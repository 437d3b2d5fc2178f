// Faults of an external Redis under a receiver and a worker process: killed and restarted, frozen, down at the receiver.
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { readFileTarget } from './harness/accounting.js';
import {
  FAULT_SECRET,
  missingIngestJobs,
  storedBefore503,
  useFaultRig,
  type ForwarderProcess,
  type ForwarderSpec,
} from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, startSteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-redis-');
let redis: TestRedis;

beforeAll(async () => {
  // `always`: these scenarios kill and freeze Redis itself, and check that nothing the receiver acknowledged is lost.
  // That holds only when Redis has the job on disk before it answers; under `everysec` a kill during a slow fsync loses
  // up to 2 s of acknowledged writes, which docs/reliability.md states ("What the embedded Redis can lose").
  redis = await startTestRedis({ appendfsync: 'always' });
});
// What Redis said about its AOF (a postponed write, a truncated tail on load) tells a lost record's cause.
beforeEach(() => {
  onTestFailed(() => console.log(`--- redis-server log:\n${redis.logTail()}`));
});
afterAll(async () => {
  // A test that failed while Redis was frozen must not leave it frozen.
  redis?.resume();
  await redis?.cleanup();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Pipeline {
  receiver: ForwarderSpec;
  output: string;
  prefix: string;
  url: () => string;
  /** SIGTERM to both processes, so that the count is final. */
  stop(): Promise<void>;
}

/** A receiver and a worker process on the external Redis, under their own queue prefix, writing to a file. */
async function pipeline(name: string): Promise<Pipeline> {
  const dir = rig.dir();
  const output = join(dir, 'out', 'records.ndjson');
  const prefix = `fault-${name}`;
  const configFile = rig.config(dir, {
    redis: { prefix },
    workers: { lockDurationMs: 2000, stalledIntervalMs: 1000, shutdownGraceMs: 1000 },
    retry: { baseDelayMs: 200, maxDelayMs: 2000 },
    targets: [{ name: 'archive', type: 'file', format: 'json', path: output }],
  });
  const receiver: ForwarderSpec = {
    role: 'receiver',
    dataDir: join(dir, 'data'),
    configFile,
    port: await freePort(),
    redisUrl: redis.url,
  };
  const processes: ForwarderProcess[] = [
    await rig.start(receiver),
    await rig.start({ ...receiver, role: 'worker' }),
  ];
  return {
    receiver,
    output,
    prefix,
    url: () => `http://127.0.0.1:${receiver.port}/webhooks/snyk`,
    async stop() {
      await Promise.all(processes.map((proc) => rig.signal(proc, 'SIGTERM')));
    },
  };
}

describe('external Redis faults', () => {
  it('Redis killed with -9 and restarted on its AOF while webhooks arrive: every accepted record arrives', async () => {
    const { url, output, prefix, stop } = await pipeline('kill');
    const sender = startSteadySender({
      url,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('redis-kill', 50, 3),
      ratePerSecond: 8,
    });
    await afterDeliveries(sender, 15);
    process.kill(redis.pid, 'SIGKILL');
    // Down for a few seconds: long enough for every connection to notice, short of the sender's patience.
    await sleep(3000);
    await redis.start();
    const faultEndedAt = Date.now();

    let stored = 0;
    const result = await settle({
      scenario: 'redis-kill',
      sender,
      read: () => readFileTarget(output),
      faultEndedAt,
      stop: async () => {
        stored = await storedBefore503(redis.url, prefix, (await sender.done).outcomes);
        await stop();
      },
      notes: () => [`Redis down 3 s; ${stored} deliveries answered 503 had been stored all the same`],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(50);
  });

  it('Redis frozen (SIGSTOP) for 10 s, then resumed: 503s meanwhile, then every accepted record arrives', async () => {
    const { url, output, prefix, stop } = await pipeline('pause');
    const sender = startSteadySender({
      url,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('redis-pause', 60, 3),
      ratePerSecond: 4,
    });
    await afterDeliveries(sender, 8);
    redis.pause();
    await sleep(10_000);
    redis.resume();
    const faultEndedAt = Date.now();

    let stored = 0;
    const result = await settle({
      scenario: 'redis-pause',
      sender,
      read: () => readFileTarget(output),
      faultEndedAt,
      stop: async () => {
        stored = await storedBefore503(redis.url, prefix, (await sender.done).outcomes);
        await stop();
      },
      notes: () => [`Redis frozen 10 s; ${stored} deliveries answered 503 had been stored all the same`],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(60);
    // While Redis was frozen the receiver could not store anything, and said so.
    expect(result.accounting.answers['503']).toBeGreaterThan(0);
  });

  it('Redis down at the receiver: every answer is 503 within 2 s, none 2xx without the job stored', async () => {
    const { url, output, prefix, stop } = await pipeline('down');
    await redis.stop();
    const downSince = Date.now();
    const sender = startSteadySender({
      url,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('redis-down', 20, 3),
      ratePerSecond: 10,
      retryDelayMs: 1000,
    });
    // Every delivery is refused at least twice before Redis comes back.
    await afterDeliveries(sender, 20);
    await sleep(3000);
    const backAt = Date.now();
    await redis.start();
    const faultEndedAt = Date.now();

    let slowest = 0;
    let answeredWhileDown = 0;
    let acceptedWhileDown = 0;
    let missing: string[] = [];
    const result = await settle({
      scenario: 'redis-down-receiver',
      sender,
      read: () => readFileTarget(output),
      faultEndedAt,
      stop: async () => {
        const report = await sender.done;
        const attempts = report.outcomes.flatMap((outcome) => outcome.attempts);
        const whileDown = attempts.filter((a) => a.at >= downSince && a.at < backAt);
        slowest = Math.max(0, ...whileDown.map((a) => a.ms));
        answeredWhileDown = whileDown.length;
        acceptedWhileDown = whileDown.filter((a) => a.answer === '2xx').length;
        const deliveryIds = attempts.flatMap((a) =>
          a.answer === '2xx' && a.deliveryId ? [a.deliveryId] : [],
        );
        missing = await missingIngestJobs(redis.url, prefix, deliveryIds);
        await stop();
      },
      notes: () => [
        `Redis down ${((backAt - downSince) / 1000).toFixed(0)} s; ${answeredWhileDown} answers meanwhile, all 503, the slowest in ${slowest} ms`,
      ],
      problems: (a) => [
        ...(slowest >= 2000 ? [`a 503 took ${slowest} ms`] : []),
        ...(acceptedWhileDown > 0 ? [`${acceptedWhileDown} answers 2xx while Redis was down`] : []),
        ...(missing.length > 0 ? [`${missing.length} deliveries answered 2xx have no stored job`] : []),
        ...(a.answers.error > 0 ? [`${a.answers.error} requests got no answer`] : []),
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(20);
    expect(result.accounting.acceptedAfter503).toBe(20);
  });
});
