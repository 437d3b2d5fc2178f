// Many processes on one Redis: 2 receivers and 3 workers with one SIGKILLed mid-way, and a rate limit held fleet-wide.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drainStart, readFileTarget, waitForDrain } from '../faults/harness/accounting.js';
import { startSteadySender } from '../faults/harness/sender.js';
import { buildSnapshots } from '../faults/harness/snapshots.js';
import { spawnCli, waitForHttp, type CliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startScriptedCollector } from '../helpers/scripted-collector.js';
import { postWebhook } from '../helpers/webhook.js';

const SECRET = 'fleet-test-secret-0123456789abcdef';
let redis: TestRedis;
const processes: CliProcess[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startTestRedis();
});
afterEach(async () => {
  for (const proc of processes.splice(0)) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  while (cleanups.length > 0) await cleanups.pop()?.();
});
afterAll(async () => {
  await redis?.cleanup();
});

interface Fleet {
  dir: string;
  receiver(): Promise<{ proc: CliProcess; webhookUrl: string }>;
  worker(): Promise<CliProcess>;
}

/** One configuration file shared by every process, as a Deployment's ConfigMap would be. */
function fleet(config: Record<string, unknown>): Fleet {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-fleet-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'forwarder.yaml');
  writeFileSync(
    file,
    stringify({
      redis: { prefix: `f${randomUUID().slice(0, 8)}` },
      log: { level: 'debug', format: 'json' },
      ...config,
    }),
  );
  const env = (extra: Record<string, string>) => ({
    REDIS_URL: redis.url,
    FORWARDER_CONFIG: file,
    DATA_DIR: dir,
    SNYK_WEBHOOK_SECRET: SECRET,
    HOST: '127.0.0.1',
    ...extra,
  });
  return {
    dir,
    async receiver() {
      const port = await freePort();
      const proc = spawnCli(['start', '--role', 'receiver'], env({ PORT: String(port) }));
      processes.push(proc);
      await waitForHttp(`http://127.0.0.1:${port}/readyz`);
      return { proc, webhookUrl: `http://127.0.0.1:${port}/webhooks/snyk` };
    },
    async worker() {
      const proc = spawnCli(['start', '--role', 'worker'], env({}));
      processes.push(proc);
      await waitFor(
        () => {
          if (proc.child.exitCode !== null) throw new Error(`a worker exited early:\n${proc.output()}`);
          return proc.output().includes('Workers started.');
        },
        30_000,
        'a worker to start',
      );
      return proc;
    },
  };
}

describe('a fleet of processes on one Redis', () => {
  it('2 receivers and 3 workers, one worker SIGKILLed mid-way: every record delivered, duplicates counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssf-fleet-out-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const outFile = join(dir, 'records.ndjson');
    const { receiver, worker } = fleet({
      // Short locks: the killed worker's jobs are taken back within seconds (docs/architecture.md, delivery guarantees).
      workers: { lockDurationMs: 2000, stalledIntervalMs: 1000, shutdownGraceMs: 1000 },
      targets: [{ name: 'out', type: 'file', format: 'json', path: outFile }],
    });
    const receivers = await Promise.all([receiver(), receiver()]);
    const workers = await Promise.all([worker(), worker(), worker()]);
    const snapshots = buildSnapshots(`fleet-${randomUUID().slice(0, 6)}`, 60, 3);
    let next = 0;
    const sender = startSteadySender({
      // Round-robin over both receivers, attempt by attempt.
      url: () => (receivers[next++ % receivers.length] as { webhookUrl: string }).webhookUrl,
      secret: SECRET,
      snapshots,
      ratePerSecond: 20,
    });
    await waitFor(
      () => sender.outcomes.filter((outcome) => outcome.accepted).length >= 20,
      30_000,
      '20 accepted',
    );
    const killed = workers[0] as CliProcess;
    // A worker that was taking its share: it has delivered, and its next jobs may be active when it dies.
    await waitFor(
      () => killed.output().includes('Target job completed.'),
      30_000,
      'the first worker to deliver',
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    const killedAt = Date.now();
    const report = await sender.done;
    const { accounting, drainMs } = await waitForDrain(report, () => readFileTarget(outFile), {
      from: drainStart(report, killedAt),
      timeoutMs: 90_000,
    });
    console.log('fleet, one worker SIGKILLed:', JSON.stringify({ ...accounting, drainMs }));
    expect(accounting.accepted).toBe(snapshots.length);
    expect(accounting.answers['2xx']).toBe(snapshots.length);
    expect(accounting.lost).toBe(0);
    expect(accounting.torn).toBe(0);
    expect(accounting.extraRecords).toBe(0);
    // Both receivers took deliveries and the surviving workers both delivered.
    for (const { proc } of receivers) expect(proc.output()).toContain('Delivery accepted.');
    for (const survivor of workers.slice(1)) expect(survivor.output()).toContain('Target job completed.');
  }, 240_000);

  it('a target rate limit holds across two worker processes', async () => {
    const collector = await startScriptedCollector({ status: 200 });
    cleanups.push(() => collector.close());
    const { receiver, worker } = fleet({
      targets: [
        {
          name: 'siem',
          type: 'http',
          format: 'json',
          url: collector.url,
          concurrency: 4,
          rateLimit: { max: 2, durationMs: 1000 },
        },
      ],
    });
    const { webhookUrl } = await receiver();
    const workers = await Promise.all([worker(), worker()]);
    const snapshots = buildSnapshots(`rate-${randomUUID().slice(0, 6)}`, 8, 1);
    for (const snapshot of snapshots)
      expect((await postWebhook(webhookUrl, snapshot.body, { secret: SECRET })).status).toBe(202);
    await waitFor(() => collector.arrivals.length >= snapshots.length, 60_000, 'eight target jobs sent');
    const times = collector.arrivals.map((arrival) => arrival.at).sort((a, b) => a - b);
    const spanMs = (times.at(-1) as number) - (times[0] as number);
    console.log(`8 target jobs at 2 per second over 2 workers took ${spanMs} ms`);
    // 2 per window for the whole fleet: 4 windows, so about 3 window lengths from the first to the last (less the
    // spread of the requests' own latency). A limit per process (2 each) would send them in 2 windows, about 1 s.
    expect(spanMs).toBeGreaterThanOrEqual(2500);
    // Each window's jobs start together at its beginning: never 3 within a short time, where a limit per process
    // would start 4 at once.
    for (let i = 0; i + 2 < times.length; i += 1)
      expect((times[i + 2] as number) - (times[i] as number)).toBeGreaterThanOrEqual(400);
    // Which process sent which job is up to BullMQ; each says so in its log once the job is marked completed.
    const completedBy = () => workers.map((proc) => proc.output().split('Target job completed.').length - 1);
    await waitFor(
      () => completedBy().reduce((sum, n) => sum + n, 0) === snapshots.length,
      20_000,
      'both workers to log every completed job',
    );
    console.log(`target jobs completed by each worker process: ${completedBy().join(', ')}`);
  }, 180_000);
});
