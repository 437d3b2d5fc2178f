// The embedded Redis belongs to one process at a time: others attach, stale servers are stopped only when provably ours.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  embeddedState,
  isAlive,
  PROCESS_SECRET,
  recordsIn,
  stopProcess,
  redisPidOf,
  useProcesses,
} from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const { dataDir, start } = useProcesses('ssf-own-');
const servers: TestRedis[] = [];

afterAll(async () => {
  for (const server of servers) await server.cleanup();
});

const snapshot = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');

describe('one owner per data directory', () => {
  it('a worker started beside a running receiver attaches to its redis-server instead of stopping it', async () => {
    const dir = dataDir();
    const receiver = await start({ dataDir: dir, role: 'receiver' });
    const before = embeddedState(dir);
    expect(before?.ownerPid).toBe(receiver.child.pid);
    const serverPid = redisPidOf(dir);

    const worker = await start({ dataDir: dir, role: 'worker' });
    expect(worker.output()).toContain('Using the embedded redis-server of another forwarder process');
    expect(redisPidOf(dir)).toBe(serverPid);
    expect(isAlive(serverPid)).toBe(true);

    // The receiver keeps accepting, and the worker delivers what it accepted.
    const answer = await postWebhook(receiver.webhookUrl, snapshot, { secret: PROCESS_SECRET });
    expect(answer.status).toBe(202);
    const out = join(dir, 'out', 'findings.ndjson');
    await waitFor(() => recordsIn(out).length === 6, 20_000, 'the records delivered by the attached worker');

    expect(await stopProcess(worker)).toBe(0);
    // The attached worker leaves the server to its owner.
    expect(isAlive(serverPid)).toBe(true);
    expect((await postWebhook(receiver.webhookUrl, snapshot, { secret: PROCESS_SECRET })).status).toBe(202);
    expect(await stopProcess(receiver)).toBe(0);
    await waitFor(() => !isAlive(serverPid), 10_000, 'the owner to stop its server');
  }, 90_000);

  it('when the owner goes away, the attached process takes the server over on the same data', async () => {
    const dir = dataDir();
    const owner = await start({ dataDir: dir, role: 'worker' });
    const receiver = await start({ dataDir: dir, role: 'receiver' });
    expect((await postWebhook(receiver.webhookUrl, snapshot, { secret: PROCESS_SECRET })).status).toBe(202);
    const out = join(dir, 'out', 'findings.ndjson');
    await waitFor(() => recordsIn(out).length === 6, 20_000, 'the first delivery');

    // The owner dies without any chance to clean up; its redis-server is left behind.
    owner.child.kill('SIGKILL');
    await owner.exited;
    await waitFor(
      () => receiver.output().includes('Embedded redis-server started by this process.'),
      30_000,
      'the take-over',
    );
    await waitFor(
      async () =>
        (
          await postWebhook(receiver.webhookUrl, snapshot, {
            secret: PROCESS_SECRET,
            transportId: randomUUID(),
          })
        ).status === 202,
      30_000,
      'the receiver to accept again',
    );
    expect(embeddedState(dir)?.ownerPid).toBe(receiver.child.pid);
    expect(await stopProcess(receiver)).toBe(0);
  }, 90_000);

  it('a stale pid file naming an unrelated redis-server of the same user never gets that server stopped', async () => {
    const unrelated = await startTestRedis();
    servers.push(unrelated);
    const dir = dataDir();
    mkdirSync(join(dir, 'redis'), { recursive: true });
    // The pid files say the previous owner (long dead) ran the unrelated server.
    writeFileSync(join(dir, 'redis', 'redis.pid'), `${unrelated.pid}\n`);
    writeFileSync(
      join(dir, 'redis', 'state.json'),
      JSON.stringify({
        ownerPid: 999_999_999,
        redisPid: unrelated.pid,
        port: unrelated.port,
        password: 'x',
        confFile: join(dir, 'redis', 'redis.conf'),
      }),
    );
    const proc = await start({ dataDir: dir });
    expect(proc.output()).not.toContain('left running by a forwarder');
    const client = new Redis({ port: unrelated.port, host: '127.0.0.1', lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    expect(await stopProcess(proc)).toBe(0);
    expect(isAlive(unrelated.pid)).toBe(true);
  }, 60_000);

  it('a server left running by an owner that was killed is stopped by the next owner, and only that one', async () => {
    const dir = dataDir();
    const first = await start({ dataDir: dir });
    const orphan = redisPidOf(dir);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(isAlive(orphan)).toBe(true);

    const second = await start({ dataDir: dir });
    expect(second.output()).toContain('left running by a forwarder that is no longer alive');
    await waitFor(() => !isAlive(orphan), 10_000, 'the orphan to stop');
    expect(embeddedState(dir)?.redisPid).not.toBe(orphan);
    expect(await stopProcess(second)).toBe(0);
  }, 60_000);

  it('the embedded redis-server does not inherit the webhook secret or any other variable of the daemon', async () => {
    const dir = dataDir();
    const proc = await start({ dataDir: dir, env: { SOME_TARGET_TOKEN: 'token-that-must-not-leak' } });
    const pid = Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8'));
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environ.join('\n')).not.toContain(PROCESS_SECRET);
    expect(environ.join('\n')).not.toContain('token-that-must-not-leak');
    expect(environ.map((entry) => entry.split('=')[0])).toEqual(['PATH']);
    expect(await stopProcess(proc)).toBe(0);
  }, 60_000);
});

describe('signals', () => {
  it('SIGTERM to the whole process group stops the daemon first and its redis-server last, and says so', async () => {
    const dir = dataDir();
    const proc = await start({ dataDir: dir, detached: true });
    const pid = proc.child.pid;
    if (pid === undefined) throw new Error('the daemon has no pid');
    // What a terminal's Ctrl-C or systemd's default KillMode=control-group does: signal every process of the group.
    process.kill(-pid, 'SIGTERM');
    expect(await proc.exited).toBe(0);
    const stopped = proc
      .output()
      .split('\n')
      .find((line) => line.includes('Stopped cleanly.'));
    expect(stopped).toBeDefined();
    expect(stopped).toContain('embedded redis-server: stopped');
    expect(stopped).toContain('workers: closed');
  }, 60_000);

  it('SIGHUP keeps the daemon and its redis-server running', async () => {
    const dir = dataDir();
    const proc = await start({ dataDir: dir });
    const redisPid = redisPidOf(dir);
    proc.child.kill('SIGHUP');
    await waitFor(() => proc.output().includes('Configuration reloaded'), 20_000, 'the reload to finish');
    expect(proc.child.exitCode).toBeNull();
    expect(isAlive(redisPid)).toBe(true);
    expect((await postWebhook(proc.webhookUrl, snapshot, { secret: PROCESS_SECRET })).status).toBe(202);
    expect(await stopProcess(proc)).toBe(0);
    await waitFor(() => !isAlive(redisPid), 10_000, 'redis-server to stop with the daemon');
  }, 60_000);
});
