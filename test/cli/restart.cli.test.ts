// A SIGTERM with jobs still queued loses and duplicates nothing: the embedded Redis keeps them across restarts.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { spawnCli, waitForHttp, type CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/forwarder.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';

const SECRET = 'restart-test-secret-0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'ssf-restart-'));
const outFile = join(dataDir, 'out', 'findings.ndjson');
const running: CliProcess[] = [];

afterAll(async () => {
  for (const proc of running) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function records(): Array<{ record_id: string; transport_id: string }> {
  if (!existsSync(outFile)) return [];
  return readFileSync(outFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { record_id: string; transport_id: string });
}

async function start(role: string, port: number): Promise<CliProcess> {
  const proc = spawnCli(['start', '--role', role], {
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    SNYK_WEBHOOK_SECRET: SECRET,
    REDIS_URL: '',
    FORWARDER_CONFIG: '',
  });
  running.push(proc);
  // A generous bound: a start takes a second or two, a loaded machine is not a failure.
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  return proc;
}

async function postMany(port: number, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const answers = await Promise.all(
    ids.map((transportId) =>
      postWebhook(`http://127.0.0.1:${port}/webhooks/snyk`, freshSnapshot(), { transportId, secret: SECRET }),
    ),
  );
  expect(answers.every((a) => a.status === 202)).toBe(true);
  return ids;
}

describe('restart with queued jobs', () => {
  it('SIGTERM, start again: every record delivered exactly once', async () => {
    const port = await freePort();
    // 1. Receiver only: every accepted delivery is still queued when it stops.
    const receiver = await start('receiver', port);
    const queued = await postMany(port, 20);
    receiver.child.kill('SIGTERM');
    expect(await receiver.exited).toBe(0);
    expect(records()).toHaveLength(0);

    // 2. Receiver and workers, stopped while it is still working through the backlog.
    const busy = await start('all', port);
    const more = await postMany(port, 20);
    busy.child.kill('SIGTERM');
    expect(await busy.exited).toBe(0);

    // 3. Start again: the rest is delivered, nothing twice.
    const last = await start('all', port);
    const transportIds = [...queued, ...more];
    // Each delivery of this fixture holds 5 findings and 1 snapshot summary.
    const expected = transportIds.length * 6;
    await waitFor(() => records().length >= expected, 120_000, `${expected} records`);
    // Counted once the process has exited, so nothing can still be written: the count is final without a fixed wait.
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    const all = records();
    expect(all).toHaveLength(expected);
    expect(new Set(all.map((r) => r.record_id)).size).toBe(expected);
    expect(new Set(all.map((r) => r.transport_id))).toEqual(new Set(transportIds));

    // No secret in any log line: neither the webhook secret nor the embedded Redis password.
    const password = /requirepass (\S+)/.exec(
      readFileSync(join(dataDir, 'redis', 'redis.conf'), 'utf8'),
    )?.[1];
    expect(password).toBeDefined();
    for (const proc of running) {
      expect(proc.output()).not.toContain(SECRET);
      expect(proc.output()).not.toContain(password as string);
      expect(proc.output()).toContain('"transportId"');
    }
  }, 360_000);
});
