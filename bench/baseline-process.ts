// The bare durable receiver (bench/baseline-receiver.ts) in its own process, against a Redis it is given.
import { fork } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/free-port.js';
import { stopChild, track, withinLimit } from './phase.js';

export interface BaselineProcess {
  url: string;
  pid: number;
  /** Bodies it stored (LLEN of its list). */
  stored(): Promise<number>;
  /** Deletes what it stored. */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBaseline(redisUrl: string, secret: string): Promise<BaselineProcess> {
  const port = await freePort();
  const child = fork(
    new URL('./baseline-receiver.ts', import.meta.url).pathname,
    [String(port), redisUrl, secret],
    {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  try {
    await withinLimit(
      'the baseline receiver to listen',
      30_000,
      () =>
        new Promise((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', (code) => reject(new Error(`baseline receiver exited with ${code}`)));
        }),
    );
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}/webhooks/snyk`,
    pid: child.pid ?? 0,
    async stored() {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        return await client.llen('baseline:webhooks');
      } finally {
        client.disconnect();
      }
    },
    async clear() {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        await client.del('baseline:webhooks');
      } finally {
        client.disconnect();
      }
    },
    stop: track(() => stopChild(child)),
  };
}
