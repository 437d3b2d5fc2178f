// One end-to-end measurement: deliveries posted to the forwarder (or the bare baseline) until the peer has every record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRedis, type TestRedis } from '../test/helpers/redis-server.js';
import { startBaseline } from './baseline-process.js';
import type { PeerFactory } from './e2e-peers.js';
import { startForwarder } from './forwarder-process.js';
import { signedBodies, type Payload } from './payloads.js';
import { round, track, waitUntil } from './phase.js';
import { postLoad, type Load } from './post-webhook.js';
import { readCpuMs, sampleForwarder, type SampleSummary } from './process-sampler.js';

export interface RunOptions {
  payload: Payload;
  snapshots: number;
  concurrency: number;
  secret: string;
  /** Bound of each step (the load, then the wait for the last record). */
  limitMs: number;
}

/** A fresh Redis with the forwarder's durability (AOF, appendfsync everysec, noeviction) for each run. */
export async function withRedis<T>(run: (redis: TestRedis) => Promise<T>): Promise<T> {
  const redis = await startTestRedis();
  const cleanup = track(() => redis.cleanup());
  try {
    return await run(redis);
  } finally {
    await cleanup();
  }
}

/** The bare receiver under the same load; throws unless it stored every body it accepted. */
export async function measureBaseline(options: RunOptions): Promise<Load> {
  const bodies = signedBodies(options.payload, options.snapshots, options.secret);
  return withRedis(async (redis) => {
    const baseline = await startBaseline(redis.url, options.secret);
    try {
      const result = await postLoad(baseline.url, bodies, { ...options, event: options.payload.event });
      const stored = await baseline.stored();
      if (stored !== result.accepted)
        throw new Error(`baseline stored ${stored} of ${result.accepted} accepted`);
      return result;
    } finally {
      await baseline.stop();
    }
  });
}

export interface EndToEnd {
  target: string;
  receiver: Load;
  records: number;
  /** Records expected: one per issue and one summary per delivery. */
  expected: number;
  /** False when the time budget ran out before every record arrived: the figures then count what had arrived. */
  complete: boolean;
  /** From the first request to the last record at the peer. */
  seconds: number;
  findingsPerSecond: number;
  /** CPU time of the forwarder process (the embedded Redis not included) per delivery, from the first request to the last record. */
  cpuMsPerDelivery: number | undefined;
  /** Queue depth and memory every 250 ms (with `sample`). */
  sampled?: SampleSummary;
}

export interface ForwarderRunOptions extends RunOptions {
  /** An existing Redis; unset: the forwarder's embedded one. */
  redisUrl?: string;
  /** Keys added to the target's configuration (e.g. BENCH_TARGET). */
  targetOverrides?: Record<string, unknown>;
  /** Configuration keys beside the targets (e.g. `workers`). */
  configOverrides?: Record<string, unknown>;
  nodeArgs?: string[];
  sample?: boolean;
  logLevel?: string;
  /**
   * With a budget, a peer still receiving when it runs out (after the load) ends the run with what arrived by then
   * (complete: false), so a slow forwarder cannot stretch the bench; a peer that received nothing new for
   * STALL_MS still fails it. Without one, every record is awaited up to limitMs.
   */
  budgetMs?: number;
}

/** A peer that received nothing new for this long is stuck: the bench fails rather than report it. */
const STALL_MS = 30_000;

/** Waits for `expected` records within `budgetMs`: true when all came, false when the budget ran out first. */
async function awaitRecords(
  name: string,
  received: () => number,
  expected: number,
  budgetMs: number,
): Promise<boolean> {
  const deadline = performance.now() + budgetMs;
  let last = received();
  let lastChange = performance.now();
  for (;;) {
    const now = received();
    if (now >= expected) return true;
    if (now !== last) {
      last = now;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > STALL_MS)
      throw new Error(`${name}: stuck at ${now} of ${expected} records for ${STALL_MS} ms`);
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The forwarder with one JSON (or the peer's format) target: every delivery posted, then every record awaited. */
export async function measureEndToEnd(
  name: string,
  peerFor: PeerFactory,
  options: ForwarderRunOptions,
): Promise<EndToEnd> {
  const { payload, snapshots } = options;
  const bodies = signedBodies(payload, snapshots, options.secret);
  const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-e2e-'));
  const peer = await peerFor(dir);
  const closePeer = track(async () => {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const forwarder = await startForwarder({
      secret: options.secret,
      targets: [{ name: 'bench', format: 'json', ...peer.target, ...options.targetOverrides }],
      ...(options.configOverrides === undefined ? {} : { config: options.configOverrides }),
      ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
      ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
      ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
    });
    const sampler = options.sample === true ? sampleForwarder(forwarder) : undefined;
    const cpuBefore = readCpuMs(forwarder.pid);
    try {
      // One record per issue and one snapshot summary per delivery (docs/mapping.md).
      const expected = snapshots * (payload.issues + 1);
      const receiver = await postLoad(forwarder.url, bodies, { ...options, event: payload.event });
      if (receiver.accepted !== snapshots) throw new Error(`${name}: ${receiver.refused} snapshots refused`);
      const complete =
        options.budgetMs === undefined
          ? await waitUntil(
              `${name}: ${expected} records at the peer`,
              () => peer.received() >= expected,
              options.limitMs,
            ).then(() => true)
          : await awaitRecords(name, peer.received, expected, options.budgetMs);
      const records = peer.received();
      const seconds = (performance.now() - receiver.startedAt) / 1000;
      const cpuAfter = readCpuMs(forwarder.pid);
      const sampled = await sampler?.stop();
      // Findings among the records that arrived: each delivery's records are its issues and one summary.
      const findings = complete
        ? snapshots * payload.issues
        : (records * payload.issues) / (payload.issues + 1);
      return {
        target: name,
        receiver,
        records,
        expected,
        complete,
        seconds: round(seconds, 2),
        findingsPerSecond: Math.round(findings / seconds),
        cpuMsPerDelivery:
          cpuBefore === undefined || cpuAfter === undefined
            ? undefined
            : round((cpuAfter - cpuBefore) / snapshots, 2),
        ...(sampled === undefined ? {} : { sampled }),
      };
    } finally {
      await sampler?.stop().catch(() => undefined);
      await forwarder.stop();
    }
  } finally {
    await closePeer();
  }
}
