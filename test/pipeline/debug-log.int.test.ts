// LOG_LEVEL=debug shows each job's steps with ids, counts, durations and results; info shows none of them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { TEST_SECRET, waitFor } from '../helpers/forwarder.js';
import { freePort } from '../helpers/free-port.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { fixture, freshSnapshot, postWebhook } from '../helpers/webhook.js';

const fx = useTestRedis();

/** The lines only `debug` shows, one per step of a job. */
const DEBUG_LINES = [
  'Ingest job picked.',
  'Target job enqueued.',
  'Ingest job completed.',
  'Target job picked.',
  'Send attempt finished.',
  'Target job completed.',
];

/** Far above the usual second, so that a loaded machine is not mistaken for a bug. */
const BOUND_MS = 60_000;

interface Run {
  daemon: Daemon;
  dir: string;
  lines(): Array<Record<string, unknown>>;
  text(): string;
}

/**
 * A forwarder at `level` with three targets: `all` (every record), `summary` (its filter keeps only the snapshot
 * summary) and `down` (an HTTP peer on a closed loopback port, two attempts, so one retry and one dead letter).
 */
async function startAt(level: 'debug' | 'info'): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-debug-log-'));
  const config = configSchema.parse({
    dataDir: dir,
    receiver: { host: '127.0.0.1', port: 0, secrets: [TEST_SECRET] },
    redis: { url: fx.redis.url, prefix: `t${randomUUID().slice(0, 8)}` },
    retry: { baseDelayMs: 50, maxDelayMs: 200, attempts: 2 },
    workers: { shutdownGraceMs: 5000 },
    log: { level, format: 'json' },
    admin: { host: '127.0.0.1', port: 0 },
    targets: [
      { name: 'all', type: 'file', format: 'json', path: join(dir, 'all.ndjson') },
      {
        name: 'summary',
        type: 'file',
        format: 'json',
        path: join(dir, 'summary.ndjson'),
        filter: { actions: ['summary'] },
      },
      {
        name: 'down',
        type: 'http',
        format: 'json',
        url: `http://127.0.0.1:${await freePort()}/`,
        timeoutMs: 2000,
      },
    ],
  });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ level, format: 'json', stream });
  const daemon = await startDaemon({ config, role: 'all', logger });
  fx.cleanups.push(async () => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    daemon,
    dir,
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function fileHas(path: string, text: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').includes(text);
}

/** Posts one delivery and waits until the `down` target's job is dead-lettered, its last step. */
async function deliverOne(run: Run, transportId: string): Promise<string> {
  const posted = await postWebhook(
    `${run.daemon.receiverUrl ?? ''}/webhooks/snyk`,
    freshSnapshot('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json'),
    { transportId },
  );
  expect(posted.status).toBe(202);
  await waitFor(
    async () => (await run.daemon.counters.get('target_jobs_dead_lettered_total', { target: 'down' })) === 1,
    BOUND_MS,
    'the dead letter of the down target',
  );
  // The file targets' records are in by then as a rule; waited for, so that every job has run.
  for (const file of ['all.ndjson', 'summary.ndjson'])
    await waitFor(() => fileHas(join(run.dir, file), transportId), BOUND_MS, `the records in ${file}`);
  return String(posted.body.deliveryId);
}

describe('per-job lines', () => {
  it('at debug: picked, normalised, enqueued, each send attempt with its result, completed', async () => {
    const run = await startAt('debug');
    const transportId = 'debug-log-one';
    const deliveryId = await deliverOne(run, transportId);
    await waitFor(
      () => run.lines().filter((line) => line.message === 'Target job completed.').length === 2,
      BOUND_MS,
      'the two completed target jobs',
    );
    await waitFor(
      () => run.lines().some((line) => line.message === 'Ingest job completed.'),
      BOUND_MS,
      'the completed ingest job',
    );
    const lines = run.lines().filter((line) => line.deliveryId === deliveryId);
    const find = (message: string) => lines.filter((line) => line.message === message);

    expect(find('Ingest job picked.')).toEqual([
      expect.objectContaining({
        level: 'debug',
        transportId,
        event: 'project_snapshot/v0',
        attempt: 1,
      }),
    ]);
    const [normalised] = find('Delivery normalised.');
    const allRecords = (normalised?.records as Record<string, number>).all ?? 0;
    expect(allRecords).toBeGreaterThan(1);
    expect(normalised).toMatchObject({
      level: 'info',
      normalized: allRecords,
      records: { all: allRecords, summary: 1, down: allRecords },
      filtered: { all: 0, summary: allRecords - 1, down: 0 },
    });
    expect(
      find('Target job enqueued.').map(({ target, jobId, records }) => ({ target, jobId, records })),
    ).toEqual(
      expect.arrayContaining([
        { target: 'all', jobId: `${deliveryId}-all`, records: allRecords },
        { target: 'summary', jobId: `${deliveryId}-summary`, records: 1 },
        { target: 'down', jobId: `${deliveryId}-down`, records: allRecords },
      ]),
    );
    expect(find('Ingest job completed.')).toEqual([
      expect.objectContaining({ level: 'debug', attempt: 1, ms: expect.any(Number) }),
    ]);

    const attempts = (target: string) =>
      find('Send attempt finished.').filter((line) => line.target === target);
    expect(attempts('all')).toEqual([
      expect.objectContaining({
        level: 'debug',
        jobId: `${deliveryId}-all`,
        attempt: 1,
        records: allRecords,
        delivered: allRecords,
        ms: expect.any(Number),
        result: 'success',
      }),
    ]);
    expect(
      attempts('down').map(({ attempt, records, delivered, result, code }) => ({
        attempt,
        records,
        delivered,
        result,
        code,
      })),
    ).toEqual([
      { attempt: 1, records: allRecords, delivered: 0, result: 'retry', code: expect.any(String) },
      { attempt: 2, records: allRecords, delivered: 0, result: 'dead_letter', code: expect.any(String) },
    ]);
    expect(find('Target job picked.').filter((line) => line.target === 'down')).toHaveLength(2);
    expect(
      find('Target job completed.').map(({ target, jobId, delivered }) => ({ target, jobId, delivered })),
    ).toEqual(
      expect.arrayContaining([
        { target: 'all', jobId: `${deliveryId}-all`, delivered: allRecords },
        { target: 'summary', jobId: `${deliveryId}-summary`, delivered: 1 },
      ]),
    );

    // Ids, counts and codes only: no line carries a word of the payload.
    const payload = JSON.parse(
      fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json').toString('utf8'),
    ) as {
      project: { name: string };
      newIssues: Array<{ id: string; issueData: { title: string } }>;
    };
    const issue = payload.newIssues[0];
    expect(issue).toBeDefined();
    for (const secretish of [
      payload.project.name,
      issue?.id ?? '',
      issue?.issueData.title ?? '',
      TEST_SECRET,
    ])
      expect(run.text()).not.toContain(secretish);
  });

  it('at info: none of those lines, and the normalised line still', async () => {
    const run = await startAt('info');
    const deliveryId = await deliverOne(run, 'debug-log-info');
    const lines = run.lines();
    expect(
      lines.some((line) => line.message === 'Delivery normalised.' && line.deliveryId === deliveryId),
    ).toBe(true);
    expect(lines.filter((line) => DEBUG_LINES.includes(String(line.message)))).toEqual([]);
    expect(lines.filter((line) => line.level === 'debug')).toEqual([]);
  });
});
