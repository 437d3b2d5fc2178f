// The Quick start path: `start` on embedded defaults, then `send-sample` with no options, produces a record.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { runCli, spawnCli, waitForHttp, type CliProcess } from '../helpers/cli.js';
import { waitFor } from '../helpers/forwarder.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ssf-defaults-'));
let proc: CliProcess | undefined;

afterAll(async () => {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded defaults', () => {
  it('generates a 0600 secret, runs a private AOF redis-server, and send-sample lands in findings.ndjson', async () => {
    const port = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SNYK_WEBHOOK_SECRET: '',
      REDIS_URL: '',
      FORWARDER_CONFIG: '',
    };
    proc = spawnCli(['start'], env);
    // Generous bounds throughout: each step takes a second or two, a loaded machine is not a failure.
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000);

    const secretFile = join(dataDir, 'webhook-secret');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(secretFile, 'utf8').trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(proc.output()).toContain(secretFile);
    expect(proc.output()).not.toContain(secret);

    const redisConf = readFileSync(join(dataDir, 'redis', 'redis.conf'), 'utf8');
    expect(redisConf).toMatch(/^bind 127\.0\.0\.1$/m);
    expect(redisConf).toMatch(/^appendonly yes$/m);
    expect(redisConf).toMatch(/^appendfsync everysec$/m);
    expect(redisConf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(statSync(join(dataDir, 'redis', 'redis.conf')).mode & 0o777).toBe(0o600);

    // No --url, no --secret: both come from the same defaults the daemon used.
    const sample = await runCli(['send-sample'], env);
    expect(sample.output).toMatch(/^202 /);
    const out = join(dataDir, 'out', 'findings.ndjson');
    await waitFor(
      () => existsSync(out) && readFileSync(out, 'utf8').includes('SNYK-JS-SCSSTOKENIZER-2339884'),
      60_000,
      'the sample record',
    );

    // The embedded redis-server is stopped with the daemon (it removes its pid file on a clean exit).
    const pid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(existsSync(join(dataDir, 'redis', 'redis.pid'))).toBe(false);
    await waitFor(
      () => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      60_000,
      'redis-server to exit',
    );
  }, 240_000);
});
