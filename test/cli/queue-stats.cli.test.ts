// `queue stats` as built: the JSON and the table of a real backlog, --watch until SIGINT; and `--version`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwarderStats } from '../../src/queue/queue-stats.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { deadLetterOne, NO_JOBS } from '../helpers/backlog.js';
import { waitFor } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-queue-stats-'));
const configFile = join(dir, 'forwarder.yaml');
const PREFIX = 'qstats';
let redis: TestRedis;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startTestRedis();
  writeFileSync(
    configFile,
    [
      `dataDir: ${dir}`,
      `redis: { url: "${redis.url}", prefix: ${PREFIX} }`,
      'targets:',
      `  - { name: siem, type: file, format: json, path: ${join(dir, 'siem.ndjson')} }`,
      `  - { name: archive, type: file, format: json, path: ${join(dir, 'archive.ndjson')} }`,
    ].join('\n'),
  );
  env = { FORWARDER_CONFIG: configFile, REDIS_URL: '', DATA_DIR: '' };
  // No forwarder runs: the jobs stay where they are put. Three wait for "siem", one backs off; one of "archive" failed.
  const connection = workerConnectionOptions(redis.url);
  const siem = new Queue('target-siem', { connection, prefix: PREFIX });
  for (let i = 0; i < 3; i += 1) await siem.add('records', targetJobData(`w${i}`, 'siem'));
  await siem.add('records', targetJobData('d0', 'siem'), { delay: 600_000 });
  await siem.close();
  await deadLetterOne('archive', { connection, prefix: PREFIX });
});

afterAll(async () => {
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('queue stats', () => {
  it('--json gives every queue by state, its dead letters and the oldest waiting age', async () => {
    const { code, output } = await runCli(['queue', 'stats', '--json'], env);
    expect(code, output).toBe(0);
    const stats = JSON.parse(output) as ForwarderStats;
    expect(stats.queues.map((queue) => queue.queue)).toEqual(['ingest', 'siem', 'archive']);
    const [ingest, siem, archive] = stats.queues;
    expect(ingest?.counts).toEqual(NO_JOBS);
    expect(siem?.counts).toEqual({
      waiting: 3,
      active: 0,
      delayed: 1,
      prioritized: 0,
      failed: 0,
      completed: 0,
    });
    expect(siem?.oldestWaitingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(archive?.deadLetters).toBe(1);
    expect(archive?.oldestWaitingAgeSeconds).toBe(0);
  });

  it('prints a table a person can read', async () => {
    const { code, output } = await runCli(['queue', 'stats'], env);
    expect(code, output).toBe(0);
    const rows = output.split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual([
      'QUEUE',
      'WAITING',
      'ACTIVE',
      'DELAYED',
      'PRIORITIZED',
      'COMPLETED',
      'DEAD-LETTERS',
      'OLDEST-WAITING',
    ]);
    expect(rows.find((row) => row[0] === 'siem')?.slice(1, 7)).toEqual(['3', '0', '1', '0', '0', '0']);
    expect(rows.find((row) => row[0] === 'archive')?.slice(1, 8)).toEqual([
      '0',
      '0',
      '0',
      '0',
      '0',
      '1',
      '0s',
    ]);
    expect(output).toContain("Snyk's last delivery: never, last ping: never.");
  });

  it('--watch reads again every --interval until SIGINT, then exits 0', async () => {
    const proc = spawnCli(['queue', 'stats', '--watch', '--interval', '1', '--json'], env);
    const reads = () =>
      proc
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{"queues"'));
    try {
      await waitFor(() => reads().length >= 2, 20_000, 'two reads');
    } finally {
      proc.child.kill('SIGINT');
    }
    expect(await proc.exited).toBe(0);
    const [first, second] = reads().map((line) => JSON.parse(line) as ForwarderStats);
    expect(second?.readAt).toBeGreaterThan(first?.readAt ?? Infinity);
  });

  it('refuses an interval out of bounds, or one without --watch', async () => {
    expect((await runCli(['queue', 'stats', '--watch', '--interval', '0'], env)).code).toBe(2);
    expect((await runCli(['queue', 'stats', '--interval', '5'], env)).code).toBe(2);
    expect((await runCli(['queue', 'depth'], env)).code).toBe(2);
  });
});

describe('--version and version', () => {
  it("print the package's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const args of [['--version'], ['version']]) {
      const { code, output } = await runCli(args);
      expect(code).toBe(0);
      expect(output).toBe(`${version}\n`);
    }
  });
});
