// Readiness as a real round trip: PING each Redis connection with a short deadline, never trust a cached status.
import type { Cluster, Redis } from 'ioredis';

/** What a probe needs of a client: ioredis's, or BullMQ's view of the same connection. */
export interface ProbedClient {
  status: string;
  call?: (command: string) => Promise<unknown>;
  ping?: () => Promise<string>;
}

export interface ProbeResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Resolves the probe's verdict within `ms`; a Redis that is hung (SIGSTOP, a full network buffer) times out. */
export async function probeWithin(
  name: string,
  check: () => Promise<void>,
  ms: number,
): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ name, ok: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      check().then(
        (): ProbeResult => ({ name, ok: true }),
        (error: unknown): ProbeResult => ({ name, ok: false, detail: (error as Error).message }),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A PING that must come back PONG. */
export async function ping(client: ProbedClient): Promise<void> {
  const answer = client.ping ? await client.ping() : await client.call?.('PING');
  if (answer !== 'PONG') throw new Error(`PING answered ${answer}`);
}

/**
 * A blocking connection sits in BZPOPMIN and cannot answer a PING of ours, so its own socket state is what we can
 * check; the round trip is made on the worker's command connection to the same server.
 */
export function connected(client: ProbedClient | undefined): void {
  if (client === undefined) throw new Error('no connection yet');
  if (client.status !== 'ready') throw new Error(`connection is ${client.status}`);
}

/** Waits until the client is connected, or gives up quietly: readiness stays false until Redis is reachable. */
export async function waitForReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
  });
}
