// `reconcile` as built: usage errors, a dry run, a run that queues the missing findings once, and Snyk's refusal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { runCli } from '../helpers/cli.js';
import {
  seedFromSnapshot,
  startSnykRestPeer,
  type SnapshotSeed,
  type SnykRestPeer,
} from '../helpers/peers/snyk-rest-peer.js';
import { fixture } from '../helpers/webhook.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

const TOKEN = 'rest-cli-token-0123456789abcdef';
const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const PREFIX = 'cli-reconcile';

let redis: TestRedis;
let peer: SnykRestPeer;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startTestRedis();
  peer = await startSnykRestPeer({ token: TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'ssf-reconcile-cli-'));
  const body = JSON.parse(
    fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json').toString('utf8'),
  ) as SnapshotSeed;
  seedFromSnapshot(peer, ORG, body, '2026-10-01T09:00:00.000Z');
  const config = join(dir, 'forwarder.yaml');
  writeFileSync(
    config,
    `redis:\n  prefix: ${PREFIX}\ntargets:\n  - name: archive\n    type: file\n    format: json\n    path: ${join(dir, 'out.ndjson')}\n`,
  );
  env = {
    FORWARDER_CONFIG: config,
    DATA_DIR: dir,
    REDIS_URL: redis.url,
    SNYK_API_URL: peer.url,
    SNYK_TOKEN: TOKEN,
  };
});
afterAll(async () => {
  await peer.close();
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(peer.problems).toEqual([]);
});

async function queuedRecords(): Promise<number> {
  const queue = new Queue('target-archive', {
    connection: workerConnectionOptions(redis.url),
    prefix: PREFIX,
  });
  try {
    const jobs = await queue.getJobs(['waiting']);
    return jobs.reduce((n, job) => n + (job.data as { records: unknown[] }).records.length, 0);
  } finally {
    await queue.close();
  }
}

describe('reconcile', { timeout: 60_000 }, () => {
  it('refuses a missing org, a bad duration and --since with --full, with exit status 2', async () => {
    expect(await runCli(['reconcile'], env)).toMatchObject({ code: 2 });
    const bad = await runCli(['reconcile', '--org', ORG, '--since', '5 weeks'], env);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--since 5 weeks: give a duration such as 30m, 12h or 7d');
    expect((await runCli(['reconcile', '--org', ORG, '--since', '1h', '--full'], env)).code).toBe(2);
    const help = await runCli(['reconcile', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.output).toContain('Usage: snyk-siem-forwarder reconcile --org ORG');
  });

  it('counts in a dry run, then queues the missing findings once, and a second run finds none', async () => {
    const dry = await runCli(['reconcile', '--org', ORG, '--dry-run', '--json'], env);
    expect(dry.code, dry.output).toBe(0);
    expect(JSON.parse(dry.output.trim().split('\n').at(-1) as string)).toMatchObject({
      dryRun: true,
      mode: 'full',
      introduced: 5,
      projects: 1,
    });
    expect(await queuedRecords()).toBe(0);

    const real = await runCli(['reconcile', '--org', ORG], env);
    expect(real.code, real.output).toBe(0);
    expect(real.output).toContain(
      'Missing from what was forwarded: 5 introduced, 0 resolved; emitted as reconciled records (queued: archive 5).',
    );
    expect(await queuedRecords()).toBe(5);

    const again = await runCli(['reconcile', '--org', ORG, '--full'], env);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Missing from what was forwarded: 0 introduced, 0 resolved');
    expect(await queuedRecords()).toBe(5);
  });

  it("prints Snyk's refusal in one line, without the token, and exits 1", async () => {
    peer.fail({ status: 403, times: 1 });
    const refused = await runCli(['reconcile', '--org', ORG, '--full'], env);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('403 Forbidden');
    expect(refused.output).toContain('View Project Snapshot');
    expect(refused.output).not.toContain(TOKEN);
  });
});
