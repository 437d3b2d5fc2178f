// The reconciliation schedule runs once per period across several worker processes sharing one Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { startReconcileSchedule, type ReconcileSchedule } from '../../src/reconcile/schedule.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { startDaemon } from '../../src/daemon.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { waitFor } from '../helpers/forwarder.js';
import {
  seedFromSnapshot,
  startSnykRestPeer,
  type SnapshotSeed,
  type SnykRestPeer,
} from '../helpers/peers/snyk-rest-peer.js';
import { fixture } from '../helpers/webhook.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { completeNdjsonLines } from '../helpers/ndjson-file.js';

const TOKEN = 'rest-test-token-0123456789';
const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const PREFIX = 'sched';
const PERIOD_MS = 3000;

let redis: TestRedis;
let peer: SnykRestPeer;
let dir: string;
beforeAll(async () => {
  redis = await startTestRedis();
  peer = await startSnykRestPeer({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'ssf-sched-'));
  const body = JSON.parse(
    fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json').toString('utf8'),
  ) as SnapshotSeed;
  seedFromSnapshot(peer, ORG, body, '2026-10-01T09:00:00.000Z');
});
afterAll(async () => {
  await peer.close();
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('the reconciliation schedule', () => {
  it('runs once per period across two processes, and emits the missing findings once', async () => {
    const config = configSchema.parse({
      redis: { url: redis.url, prefix: PREFIX },
      targets: [{ name: 'out', type: 'file', format: 'json', path: join(dir, 'out.ndjson') }],
      snyk: { apiUrl: peer.url, token: TOKEN, reconcile: { everyMinutes: PERIOD_MS / 60_000, orgs: [ORG] } },
    });
    const logger = createLogger({ level: 'warn', format: 'json', stream: new PassThrough() });
    const counters = [new Counters(), new Counters()];
    const schedules: ReconcileSchedule[] = [];
    const started = Date.now();
    try {
      for (const c of counters)
        schedules.push(
          await startReconcileSchedule({
            connection: workerConnectionOptions(redis.url),
            config,
            token: TOKEN,
            counters: c,
            logger,
          }),
        );
      const runs = () => schedules.reduce((n, s) => n + s.runs.length, 0);
      await waitFor(() => runs() >= 3, 60_000, 'three scheduled runs');
      const elapsed = Date.now() - started;
      // A timer in each process would run twice per period; the scheduler runs once, whichever process takes it.
      expect(runs()).toBeLessThanOrEqual(Math.floor(elapsed / PERIOD_MS) + 1);
      const all = schedules.flatMap((s) => s.runs);
      expect(all.reduce((n, run) => n + run.introduced, 0)).toBe(5);
      expect(new Set(all.map((run) => run.runId)).size).toBe(all.length);

      const missing = await Promise.all(
        counters.map((c) => c.get('reconcile_missing_total', { org: ORG, action: 'issue_introduced' })),
      );
      expect(missing.reduce((a, b) => a + b, 0)).toBe(5);
    } finally {
      for (const s of schedules) await s.close(2000);
    }
    const target = new Queue('target-out', {
      connection: workerConnectionOptions(redis.url),
      prefix: PREFIX,
    });
    try {
      const jobs = await target.getJobs(['waiting']);
      const ids = jobs.flatMap((job) =>
        (job.data as { records: Array<{ id: string }> }).records.map((r) => r.id),
      );
      expect(ids).toHaveLength(5);
    } finally {
      await target.close();
    }
    expect(peer.problems).toEqual([]);
  });

  it('runs in a worker process of the forwarder, whose target delivers the reconciled findings', async () => {
    const outFile = join(dir, 'daemon-out.ndjson');
    const config = configSchema.parse({
      dataDir: dir,
      redis: { url: redis.url, prefix: 'sched-daemon' },
      admin: { host: '127.0.0.1', port: 0 },
      workers: { shutdownGraceMs: 2000 },
      targets: [{ name: 'out', type: 'file', format: 'json', path: outFile }],
      snyk: { apiUrl: peer.url, token: TOKEN, reconcile: { everyMinutes: PERIOD_MS / 60_000, orgs: [ORG] } },
    });
    const logger = createLogger({ level: 'warn', format: 'json', stream: new PassThrough() });
    const daemon = await startDaemon({ config, role: 'worker', logger });
    try {
      // Declared at 0 from the start, for the alerts to see every org.
      expect(await daemon.counters.get('reconcile_runs_total', { org: ORG, result: 'failure' })).toBe(0);
      const reconciled = () =>
        completeNdjsonLines(outFile).filter((record) => record['reconciled'] === true).length;
      await waitFor(() => reconciled() === 5, 30_000, 'the reconciled records in the file');
      await waitFor(
        async () =>
          (await daemon.counters.get('reconcile_missing_total', { org: ORG, action: 'issue_introduced' })) ===
          5,
        10_000,
        'the missing counter',
      );
      expect(
        await daemon.counters.get('reconcile_last_success_timestamp_seconds', { org: ORG }),
      ).toBeGreaterThan(0);
    } finally {
      await daemon.stop();
    }
  });
});
