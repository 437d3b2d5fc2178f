// A daemon whose file-descriptor limit is below the number of idle connections stays reachable, on its defaults.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliArgv, waitForHttp } from '../helpers/cli.js';
import { embeddedState, isAlive, PROCESS_SECRET, stopProcess } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/free-port.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { getOnce, openRaw, sleep, type RawConnection } from './raw-client.js';

const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) {
    // A daemon that had to be killed leaves its redis-server behind.
    const state = embeddedState(join(dir, 'data'));
    if (state && isAlive(state.redisPid)) process.kill(state.redisPid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('a daemon with a low file-descriptor limit', { timeout: 120_000 }, () => {
  it('stays reachable with more idle connections than it has descriptors, on the default limits', async () => {
    const FD_LIMIT = 256;
    const dir = mkdtempSync(join(tmpdir(), 'ssf-fds-'));
    dirs.push(dir);
    const port = await freePort();
    // `ulimit -n` sets the soft and hard limits of the shell, which exec hands to the daemon (bash(1), "ulimit").
    const child = spawn(
      'bash',
      ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" "$@"`, process.execPath, ...cliArgv(['start'])],
      {
        env: {
          ...process.env,
          DATA_DIR: join(dir, 'data'),
          PORT: String(port),
          HOST: '127.0.0.1',
          SNYK_WEBHOOK_SECRET: PROCESS_SECRET,
          REDIS_URL: '',
          FORWARDER_CONFIG: '',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const proc = { child, output: () => output, exited };
    const base = `http://127.0.0.1:${port}`;
    const idle: RawConnection[] = [];
    try {
      await waitForHttp(`${base}/readyz`, 60_000);
      for (let i = 0; i < FD_LIMIT + 100; i += 1) {
        try {
          idle.push(await openRaw(base));
        } catch {
          // A refused or reset connect is what the attack causes; it is counted below through the answers.
        }
      }
      await sleep(200);
      const answers: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        answers.push(
          await postWebhook(`${base}/webhooks/snyk`, snapshot, { secret: PROCESS_SECRET }).then(
            (r) => r.status,
            () => 0,
          ),
        );
        answers.push((await getOnce(`${base}/healthz`)).status);
      }
      console.log(
        `fd limit ${FD_LIMIT}: answers ${answers.join(',')}; ${idle.filter((c) => c.isClosed()).length} idle shed`,
      );
      expect(answers).toEqual(Array.from({ length: 5 }, () => [202, 200]).flat());
    } finally {
      for (const connection of idle) connection.destroy();
      await stopProcess(proc);
    }
  });
});
