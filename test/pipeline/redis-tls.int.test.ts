// REDIS_URL with rediss://: a Redis that only speaks TLS, verified against the configured CA.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { freePort } from '../helpers/free-port.js';
import { startForwarder, waitFor } from '../helpers/forwarder.js';
import { makeTestPki, type TestPki } from '../helpers/test-ca.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { ConfigError } from '../../src/errors.js';

let pki: TestPki;
let server: ChildProcess;
let port: number;
const dir = mkdtempSync(join(tmpdir(), 'ssf-redis-tls-'));

beforeAll(async () => {
  pki = makeTestPki();
  port = await freePort();
  // TLS only: the plain port is off, so a client that falls back to plaintext cannot connect at all.
  server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--tls-cert-file',
      pki.serverCertFile,
      '--tls-key-file',
      pki.serverKeyFile,
      '--tls-ca-cert-file',
      pki.caFile,
      '--tls-auth-clients',
      'no',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    10_000,
    'TLS redis-server',
  );
});

afterAll(async () => {
  server?.kill('SIGKILL');
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('rediss://', () => {
  it('queues and delivers through a TLS-only Redis verified with redis.tls.ca', async () => {
    const forwarder = await startForwarder({
      redisUrl: `rediss://127.0.0.1:${port}`,
      config: { redis: { tls: { ca: pki.caFile } } },
    });
    try {
      const transportId = randomUUID();
      const answer = await postWebhook(
        forwarder.webhookUrl,
        fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
        { transportId },
      );
      expect(answer.status).toBe(202);
      await waitFor(
        () => forwarder.records().filter((r) => r.transport_id === transportId).length === 2,
        15_000,
        'records through TLS Redis',
      );
    } finally {
      await forwarder.stop();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign: the receiver is not ready', async () => {
    const forwarder = await startForwarder({
      redisUrl: `rediss://127.0.0.1:${port}`,
      config: { redis: { tls: { ca: pki.otherCaFile } }, workers: { shutdownGraceMs: 1000 } },
    });
    try {
      const ready = await fetch(`${forwarder.url}/readyz`);
      expect(ready.status).toBe(503);
      const answer = await postWebhook(
        forwarder.webhookUrl,
        fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
      );
      expect(answer.status).toBe(503);
    } finally {
      await forwarder.stop();
    }
  });

  it('rejects redis.tls with a plain redis:// URL at load time', () => {
    expect(() =>
      loadConfig({ env: { REDIS_URL: 'redis://127.0.0.1:6379' }, cwd: dir, configFile: undefined }),
    ).not.toThrow();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `redis:\n  url: redis://127.0.0.1:6379\n  tls:\n    ca: ${pki.caFile}\n`);
    let problems: readonly string[] = [];
    try {
      loadConfig({ configFile: file, env: {}, cwd: dir });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.join('\n')).toContain('redis.tls: redis.tls needs a rediss:// URL');
  });
});
