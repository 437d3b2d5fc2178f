// The daemon supervises the redis-server it started: restarts it on the same data, or fails its health and exits.
import { randomUUID } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyDefaultTarget } from '../../src/config/default-target.js';
import { configSchema } from '../../src/config/schema.js';
import { startDaemon } from '../../src/daemon.js';
import { createLogger } from '../../src/telemetry/logger.js';
import {
  embeddedState,
  PROCESS_SECRET,
  recordsIn,
  stopProcess,
  redisPidOf,
  useProcesses,
} from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/forwarder.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';

const { dataDir, start } = useProcesses('ssf-sup-');

async function health(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/healthz`)).status;
  } catch {
    return 0;
  }
}

describe('embedded redis-server supervision', () => {
  it('kill -9 of the redis-server: it is restarted on the same data, logged, and webhooks are accepted again', async () => {
    const dir = dataDir();
    const proc = await start({ dataDir: dir });
    const first = await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: PROCESS_SECRET });
    expect(first.status).toBe(202);
    const out = join(dir, 'out', 'findings.ndjson');
    await waitFor(() => recordsIn(out).length === 6, 20_000, 'the first delivery');

    const before = embeddedState(dir);
    process.kill(redisPidOf(dir), 'SIGKILL');
    await waitFor(() => proc.output().includes('exited unexpectedly'), 20_000, 'the crash to be logged');
    await waitFor(
      () => proc.output().includes('The embedded redis-server was restarted.'),
      30_000,
      'the restart',
    );
    const after = embeddedState(dir);
    expect(after?.redisPid).not.toBe(before?.redisPid);
    expect(after?.port).toBe(before?.port);
    expect(await health(proc.baseUrl)).toBe(200);

    // Accepted again, on the same queue data: the new delivery is processed, none of the old records come twice.
    await waitFor(
      async () =>
        (
          await postWebhook(proc.webhookUrl, freshSnapshot(), {
            secret: PROCESS_SECRET,
            transportId: randomUUID(),
          })
        ).status === 202,
      30_000,
      'a 202 after the restart',
    );
    await waitFor(() => recordsIn(out).length === 12, 30_000, 'the second delivery');
    expect(new Set(recordsIn(out).map((r) => r.record_id)).size).toBe(12);
    expect(await stopProcess(proc)).toBe(0);
  }, 120_000);

  it('a redis-server that cannot be restarted fails /healthz and readiness, and the process exits non-zero', async () => {
    const dir = dataDir();
    const proc = await start({ dataDir: dir });
    const redisPid = redisPidOf(dir);
    // Redis reads its AOF manifest only at start: spoil it, then kill the server, and no restart can succeed.
    spoilAof(dir);
    process.kill(redisPid, 'SIGKILL');
    const statuses: number[] = [];
    for (let i = 0; i < 600 && proc.child.exitCode === null; i += 1) {
      statuses.push(await health(proc.baseUrl));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('Restarting the embedded redis-server failed.');
    expect(proc.output()).toContain('gone for good');
    expect(proc.output()).toContain('Shutting down after a fatal error');
    // Liveness never claimed health again once the server was gone for good.
    const failedAt = statuses.indexOf(503);
    expect(failedAt === -1 || statuses.slice(failedAt).every((status) => status !== 200)).toBe(true);
  }, 120_000);

  it('while its redis-server is gone for good, /healthz answers 503 with the reason', async () => {
    const dir = dataDir();
    const config = configSchema.parse({
      dataDir: dir,
      receiver: { host: '127.0.0.1', port: 0, secrets: [PROCESS_SECRET] },
      workers: { shutdownGraceMs: 1000 },
      log: { level: 'debug', format: 'json' },
      admin: { port: 0 },
    });
    const logger = createLogger({ level: 'debug', format: 'json', stream: new PassThrough() });
    const daemon = await startDaemon({ config: applyDefaultTarget(config, dir), role: 'all', logger });
    try {
      expect((await fetch(`${daemon.receiverUrl}/healthz`)).status).toBe(200);
      const fatal = new Promise<string>((resolve) => daemon.onFatal(resolve));
      spoilAof(dir);
      process.kill(redisPidOf(dir), 'SIGKILL');
      expect(await fatal).toContain('could not be restarted');
      const answer = await fetch(`${daemon.receiverUrl}/healthz`);
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { reason: string }).reason).toContain('could not be restarted');
      expect((await fetch(`${daemon.receiverUrl}/readyz`)).status).toBe(503);
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});

function spoilAof(dir: string): void {
  const aofDir = join(dir, 'redis', 'appendonlydir');
  for (const file of readdirSync(aofDir).filter((name) => name.endsWith('.manifest')))
    writeFileSync(join(aofDir, file), 'this is not an AOF manifest\n');
}
