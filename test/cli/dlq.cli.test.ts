// Dead letters end to end: a permanent failure lands in the target's dead-letter queue; replay delivers it once fixed.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { runCli } from '../helpers/cli.js';
import { TEST_SECRET, waitFor } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-dlq-'));
const goodFile = join(dir, 'good.ndjson');
const badFile = join(dir, 'bad.ndjson');
const configFile = join(dir, 'forwarder.yaml');
let redis: TestRedis;
let daemon: Daemon;

function lines(path: string): Array<{ record_id: string; transport_id: string }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { record_id: string; transport_id: string });
}

beforeAll(async () => {
  redis = await startTestRedis();
  writeFileSync(
    configFile,
    [
      `dataDir: ${dir}`,
      'receiver: { host: 127.0.0.1, port: 0 }',
      `redis: { url: "${redis.url}", prefix: "dlq${randomUUID().slice(0, 6)}" }`,
      'retry: { baseDelayMs: 50, maxDelayMs: 200 }',
      'targets:',
      `  - { name: good, type: file, format: json, path: ${goodFile} }`,
      `  - { name: bad, type: file, format: json, path: ${badFile} }`,
    ].join('\n'),
  );
  const { config } = loadConfig({ configFile, env: { SNYK_WEBHOOK_SECRET: TEST_SECRET, ADMIN_PORT: '0' } });
  daemon = await startDaemon({
    config,
    role: 'all',
    logger: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }),
  });
  // Once started (start refuses a directory as a file target's path), the bad target's path becomes one:
  // appending fails with EISDIR, a permanent error.
  mkdirSync(badFile);
});

afterAll(async () => {
  await daemon?.stop();
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const env = { SNYK_WEBHOOK_SECRET: TEST_SECRET, FORWARDER_CONFIG: '', REDIS_URL: '' };

describe('dead-letter queue', () => {
  it('keeps a permanently failed delivery with its reason, and replay delivers it with the same record ids', async () => {
    const transportId = randomUUID();
    const answer = await postWebhook(
      `${daemon.receiverUrl}/webhooks/snyk`,
      fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json'),
      { transportId },
    );
    expect(answer.status).toBe(202);
    // Generous bounds throughout: each step takes a second or two, a loaded machine is not a failure.
    await waitFor(() => lines(goodFile).length === 6, 60_000, 'the healthy target');

    let listed = '';
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      listed = (await runCli(['dlq', 'list', '--config', configFile, '--target', 'bad'], env)).output;
      if (listed.includes('1 dead letter(s)')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toContain('1 dead letter(s)');
    // The CODE column, then the message.
    expect(listed).toMatch(/\tCODE\tREASON\n/);
    expect(listed).toMatch(/\tio_error\twriting .*bad\.ndjson failed: EISDIR/);
    const id = `${String(answer.body.deliveryId)}-bad`;
    expect(listed).toContain(id);

    const shown = await runCli(['dlq', 'show', id, '--config', configFile], env);
    expect(shown.code).toBe(0);
    const letter = JSON.parse(shown.output) as {
      queue: string;
      reason: Record<string, unknown>;
      data: { records: Array<{ id: string }>; deadLetter?: unknown };
    };
    expect(letter.queue).toBe('bad');
    expect(letter.data.records).toHaveLength(6);
    expect(letter.reason).toMatchObject({ code: 'io_error', attempts: 1 });
    expect(letter.reason.message).toMatch(/^writing .*bad\.ndjson failed: EISDIR$/);
    expect(Object.keys(letter.reason).sort()).toEqual([
      'attempts',
      'code',
      'firstFailedAt',
      'lastFailedAt',
      'message',
    ]);
    // The reason is shown once, as the letter's; the job data is shown without it.
    expect(letter.data.deadLetter).toBeUndefined();

    const probe = await runCli(['targets', 'test', '--config', configFile], env);
    expect(probe.code).toBe(1);
    expect(probe.output).toMatch(/OK {4}good \(file, json\) \d+ ms/);
    expect(probe.output).toMatch(/FAIL {2}bad \(file, json\) \d+ ms: path: .*bad\.ndjson is a directory/);

    // Fix the cause, then replay.
    rmSync(badFile, { recursive: true });
    const replay = await runCli(
      ['dlq', 'replay', '--target', 'bad', '--all', '--yes', '--config', configFile],
      env,
    );
    expect(replay.output).toContain('replayed 1 dead letter(s)');
    await waitFor(
      () => lines(badFile).filter((r) => r.transport_id === transportId).length === 6,
      60_000,
      'replayed records',
    );
    const replayedIds = lines(badFile)
      .filter((r) => r.transport_id === transportId)
      .map((r) => r.record_id)
      .sort();
    const originalIds = lines(goodFile)
      .filter((r) => r.transport_id === transportId)
      .map((r) => r.record_id)
      .sort();
    expect(replayedIds).toEqual(originalIds);

    const after = await runCli(['dlq', 'list', '--config', configFile], env);
    expect(after.output).toContain('0 dead letter(s)');
  }, 240_000);

  it('purge --all deletes dead letters for good', async () => {
    // A payload the normaliser rejects is dead-lettered in the ingest queue, raw body kept for replay.
    const answer = await postWebhook(
      `${daemon.receiverUrl}/webhooks/snyk`,
      '{"project": 12, "newIssues": "nope"}',
    );
    expect(answer.status).toBe(202);
    let listed = '';
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      listed = (await runCli(['dlq', 'list', '--config', configFile, '--target', 'ingest'], env)).output;
      if (listed.includes('1 dead letter(s)')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(listed).toMatch(/\tpayload_invalid\t/);
    const purge = await runCli(['dlq', 'purge', '--all', '--yes', '--config', configFile], env);
    expect(purge.output).toContain('purged 1 dead letter(s)');
    expect((await runCli(['dlq', 'list', '--config', configFile], env)).output).toContain('0 dead letter(s)');
  }, 180_000);
});
