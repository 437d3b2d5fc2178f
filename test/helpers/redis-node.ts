// Talking to one test redis-server process by port: a one-shot command, a wait for its PING, a replica sync, a SIGKILL.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * The options every test redis-server starts with: loopback only, its data and log under `dir`, an append-only file
 * and no snapshots, and no eviction (the forwarder refuses any other policy). Callers add their own.
 */
export function redisServerArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    // Its own log beside its data: what it said (about its AOF, a failover) explains a test's outcome.
    '--logfile',
    join(dir, 'redis.log'),
  ];
}

/** Runs `command` on a fresh connection to the server on `port` that never retries, then disconnects. */
export async function askRedis<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

/** Waits until the server on `port` answers PING. */
export async function waitForPing(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (
      await askRedis(port, (redis) => redis.ping()).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${deadlineMs} ms`);
}

/**
 * WAIT for one replica of the master on `port` to acknowledge every write so far: up to six rounds of 5 s, as a
 * replica on a loaded machine may still be reconnecting or resyncing when a test asks.
 */
export async function syncOneReplica(port: number): Promise<void> {
  for (let round = 0; round < 6; round += 1) {
    const acknowledged = Number(await askRedis(port, (redis) => redis.call('WAIT', '1', '5000')));
    if (acknowledged >= 1) return;
  }
  throw new Error(`the replica of ${port} did not catch up within 30 s`);
}

/** SIGKILL of a node's process, as a crashed host: no shutdown, no last write. Resolves once it exited. */
export async function killNode(node: { child?: ChildProcess | undefined }): Promise<void> {
  const child = node.child;
  node.child = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
