// Secrets never leave the process in clear: not in logs, answers, `validate` output, command lines, or readable files.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { embeddedState, stopProcess, useProcesses } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/free-port.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const WEBHOOK_SECRET = 'exposure-webhook-secret-3f9a1c7e5b2d4086';
const HEC_TOKEN = '7c4e2a90-5d1b-4f3e-9a8c-1b2d3e4f5a6b';
const processes = useProcesses('ssf-secrets-');

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.cleanup();
});

/** Permission bits of a path, as an octal string such as "600". */
const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** The NUL-separated command line of a process, joined with spaces (proc(5), /proc/PID/cmdline). */
const cmdlineOf = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

/** A configuration with a Splunk HEC target whose token comes from the environment, on a closed loopback port. */
async function configWithToken(dir: string, extra = ''): Promise<string> {
  const file = join(dir, 'forwarder.yaml');
  writeFileSync(
    file,
    [
      'targets:',
      '  - name: splunk',
      '    type: splunk-hec',
      `    url: http://127.0.0.1:${await freePort()}`,
      '    token: ${SPLUNK_HEC_TOKEN}',
      extra,
      '',
    ].join('\n'),
  );
  return file;
}

describe('secrets are not exposed', { timeout: 120_000 }, () => {
  it('keeps the webhook secret, the target token and the Redis password out of logs, answers and command lines, and in 0600 files', async () => {
    const root = processes.dataDir();
    // A data directory the daemon creates itself, so the test sees the modes it chooses.
    const dataDir = join(root, 'data');
    const configFile = await configWithToken(root);
    const env = {
      FORWARDER_CONFIG: configFile,
      SNYK_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SPLUNK_HEC_TOKEN: HEC_TOKEN,
    };
    const proc = await processes.start({ dataDir, env });

    const state = embeddedState(dataDir);
    const password = (
      JSON.parse(readFileSync(join(dataDir, 'redis', 'state.json'), 'utf8')) as { password: string }
    ).password;
    expect(password.length).toBeGreaterThan(16);
    const secrets = { webhook: WEBHOOK_SECRET, token: HEC_TOKEN, redisPassword: password };

    // A delivery that goes through (and fails to reach Splunk), and one rejected: both paths log.
    const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');
    const accepted = await postWebhook(proc.webhookUrl, snapshot, { secret: WEBHOOK_SECRET });
    expect(accepted.status).toBe(202);
    const rejected = await postWebhook(proc.webhookUrl, snapshot, { secret: 'not-the-secret-0123456789' });
    expect(rejected.status).toBe(401);
    // The failed attempt against the closed port is logged with its error: that line must not carry the token.
    await waitFor(() => proc.output().includes('Delivery failed; will retry.'), 60_000, 'a failed delivery');

    const cmdlines = { daemon: cmdlineOf(proc.child.pid ?? 0), redis: cmdlineOf(state?.redisPid ?? 0) };
    const validate = await runCli(['validate'], { ...env, REDIS_URL: '' });
    expect(validate.code).toBe(0);
    const invalid = await runCli(['validate', await configWithToken(join(root), '    format: xml')], {
      ...env,
      FORWARDER_CONFIG: '',
    });
    expect(invalid.code).toBe(2);

    const answers = JSON.stringify([accepted, rejected]);
    for (const [name, value] of Object.entries(secrets)) {
      expect(proc.output(), `${name} in the daemon's log`).not.toContain(value);
      expect(answers, `${name} in an answer`).not.toContain(value);
      expect(cmdlines.daemon, `${name} in the daemon's command line`).not.toContain(value);
      expect(cmdlines.redis, `${name} in redis-server's command line`).not.toContain(value);
      expect(validate.output, `${name} in validate's output`).not.toContain(value);
      expect(invalid.output, `${name} in validate's output for a bad file`).not.toContain(value);
    }

    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(join(dataDir, 'redis'))).toBe('700');
    expect(modeOf(join(dataDir, 'redis', 'redis.conf'))).toBe('600');
    expect(modeOf(join(dataDir, 'redis', 'state.json'))).toBe('600');
    await stopProcess(proc);
  });

  it('writes a generated webhook secret 0600 in a 0700 data directory, and never logs it', async () => {
    const root = processes.dataDir();
    const dataDir = join(root, 'data');
    const configFile = await configWithToken(root);
    const proc = await processes.start({
      dataDir,
      env: {
        FORWARDER_CONFIG: configFile,
        SNYK_WEBHOOK_SECRET: '',
        SPLUNK_HEC_TOKEN: HEC_TOKEN,
        REDIS_URL: redis.url,
      },
    });
    const secretFile = join(dataDir, 'webhook-secret');
    const generated = readFileSync(secretFile, 'utf8').trim();
    expect(generated.length).toBeGreaterThanOrEqual(32);
    expect(modeOf(secretFile)).toBe('600');
    expect(modeOf(dataDir)).toBe('700');
    expect(proc.output()).toContain(secretFile);
    expect(proc.output()).not.toContain(generated);
    expect(cmdlineOf(proc.child.pid ?? 0)).not.toContain(generated);
    await stopProcess(proc);
  });
});
