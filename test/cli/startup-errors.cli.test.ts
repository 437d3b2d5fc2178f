// Expected operator errors at start are one line with the fix, never a stack trace; read-only commands create nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import type { CliProcess } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { startProcess, stopProcess } from '../helpers/daemon-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-startup-'));
let busy: Server;
let busyPort: number;
const running: CliProcess[] = [];

beforeAll(async () => {
  busyPort = await freePort();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const proc of running) await stopProcess(proc, 'SIGKILL');
  await new Promise((resolve) => busy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const base = { SNYK_WEBHOOK_SECRET: 'startup-test-secret-0123456789', REDIS_URL: '', FORWARDER_CONFIG: '' };

function noStackTrace(output: string): void {
  expect(output).not.toMatch(/^\s+at /m);
}

describe('start', () => {
  it('a port already in use is one line naming the address and the fix, exit 1, and no redis-server is left', async () => {
    const dataDir = join(dir, 'in-use');
    const { code, output } = await runCli(
      ['start'],
      { ...base, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(busyPort) },
      60_000,
    );
    expect(code).toBe(1);
    expect(output).toContain(`127.0.0.1:${busyPort} is already in use (EADDRINUSE)`);
    expect(output).toContain('PORT');
    noStackTrace(output);
    // The embedded server it had started is stopped again, so the next start is not blocked by it.
    expect(existsSync(join(dataDir, 'redis', 'state.json'))).toBe(false);
  }, 90_000);
});

describe('read-only commands', () => {
  it('dlq list with no configured Redis and no running forwarder says where it looked, exits non-zero, creates nothing', async () => {
    const dataDir = join(dir, 'nothing-here');
    const { code, output } = await runCli(['dlq', 'list'], { ...base, DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expect(output).toContain(`no forwarder is running on DATA_DIR=${dataDir}`);
    expect(output).toContain(join(dataDir, 'redis', 'owner.lock'));
    noStackTrace(output);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('dlq list finds the redis-server of a forwarder running on the same data directory', async () => {
    const dataDir = join(dir, 'running');
    const proc = await startProcess({ dataDir });
    running.push(proc);
    const { code, output } = await runCli(['dlq', 'list'], { ...base, DATA_DIR: dataDir });
    expect(code).toBe(0);
    expect(output).toContain('0 dead letter(s)');
    expect(await stopProcess(proc)).toBe(0);
  }, 60_000);

  it('dlq list after the forwarder stopped refuses instead of reading an empty new server', async () => {
    const dataDir = join(dir, 'running');
    const { code, output } = await runCli(['dlq', 'list'], { ...base, DATA_DIR: dataDir });
    expect(code).not.toBe(0);
    expect(output).toContain('no forwarder is running');
    expect(existsSync(join(dataDir, 'redis', 'state.json'))).toBe(false);
  });
});
