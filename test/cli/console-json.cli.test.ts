// What BullMQ prints (its eviction-policy warning) reaches stdout as a JSON log line: every line of a run parses.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, spawnCli, waitForHttp, type CliProcess } from '../helpers/cli.js';
import { PROCESS_SECRET, recordsIn, stopProcess } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { freshSnapshot, postWebhook } from '../helpers/webhook.js';

let redis: TestRedis;
let proc: CliProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'ssf-console-'));

beforeAll(async () => {
  redis = await startTestRedis();
  // The policy BullMQ warns about on every connection it checks (bullmq's redis-connection.js).
  const admin = new Redis(redis.port, '127.0.0.1');
  try {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
  } finally {
    admin.disconnect();
  }
});

afterAll(async () => {
  if (proc) await stopProcess(proc, 'SIGKILL');
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The lines of a stream that are not JSON objects. */
function notJson(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .filter((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return parsed === null || typeof parsed !== 'object' || Array.isArray(parsed);
      } catch {
        return true;
      }
    });
}

describe('start with a Redis whose eviction policy BullMQ warns about', () => {
  it('writes only JSON lines to stdout and stderr, one of them carrying the warning', async () => {
    const port = await freePort();
    const dataDir = join(dir, 'data');
    const started = spawnCli(['start'], {
      REDIS_URL: redis.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SNYK_WEBHOOK_SECRET: PROCESS_SECRET,
      FORWARDER_CONFIG: '',
      LOG_LEVEL: 'info',
    });
    proc = started;
    let stdout = '';
    let stderr = '';
    started.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    started.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000);

    // A delivery, so that the fan-out threads open their queues (and BullMQ checks the policy there too).
    const transportId = 'console-json';
    const posted = await postWebhook(
      `http://127.0.0.1:${port}/webhooks/snyk`,
      freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
      { transportId, secret: PROCESS_SECRET },
    );
    expect(posted.status).toBe(202);
    await waitFor(
      () => recordsIn(join(dataDir, 'out', 'findings.ndjson')).some((r) => r.transport_id === transportId),
      60_000,
      'the records of the delivery',
    );
    expect(await stopProcess(started)).toBe(0);

    expect(notJson(stdout)).toEqual([]);
    expect(notJson(stderr)).toEqual([]);
    const warnings = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => String(line.message).includes('IMPORTANT! Eviction policy is allkeys-lru'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ level: 'warn', source: 'console', method: 'warn' });
    console.log(`${warnings.length} eviction-policy lines of ${stdout.split('\n').length - 1} on stdout`);
  }, 180_000);
});

describe('a process warning under the console capture, as built', () => {
  it("is one JSON line on stdout, and Node's own print of it never reaches stderr", async () => {
    // The modules the CLI runs, beside dist/src/cli/main.js; the warning is a real MaxListenersExceededWarning.
    const telemetry = new URL('../telemetry/', pathToFileURL(CLI_MAIN)).href;
    const script = `
      const { createLogger } = await import(${JSON.stringify(`${telemetry}logger.js`)});
      const { captureConsole } = await import(${JSON.stringify(`${telemetry}console-capture.js`)});
      const { EventEmitter } = await import('node:events');
      const logger = createLogger({ level: 'info', format: 'json' });
      const capture = captureConsole(logger);
      const emitter = new EventEmitter();
      emitter.setMaxListeners(1);
      emitter.on('event', () => {});
      emitter.on('event', () => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      capture.restore();
    `;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { timeout: 30_000 },
        (error, out, err) => (error ? reject(error) : resolve({ stdout: out, stderr: err })),
      ),
    );
    expect(stderr).toBe('');
    expect(notJson(stdout)).toEqual([]);
    const lines = stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      source: 'process',
      warning: 'MaxListenersExceededWarning',
    });
  });
});
