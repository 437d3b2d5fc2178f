// Queue depth read from Redis in one round of commands (one per queue), for /metrics and `queue stats`; and the Snyk contact times.
import type { Cluster, Redis } from 'ioredis';
import { INGEST_QUEUE, queuePrefix, targetQueueName } from './names.js';

/** The states `queue_jobs{state}` and `queue stats` report, in BullMQ's names ("waiting" is the `wait` list). */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueStats {
  /** "ingest", or a target's name. */
  queue: string;
  counts: Record<QueueState, number>;
  /** Age of the oldest job among those due next; 0 when none waits. */
  oldestWaitingAgeSeconds: number;
  /** The failed set: the queue's dead-letter queue. */
  deadLetters: number;
}

export interface ForwarderStats {
  queues: QueueStats[];
  /** Epoch seconds of the last ping and the last delivery any receiver took; 0: never. */
  lastPingAt: number;
  lastDeliveryAt: number;
  /** Epoch seconds of the last ping per org label (snyk/ping-store.ts): the org a webhook is tied to, or "other". */
  lastPingByOrg?: Record<string, number>;
  /** Epoch ms of the read. */
  readAt: number;
}

export type SnykContact = 'ping' | 'delivery';

/**
 * Where the receivers note the time of Snyk's last ping and delivery (epoch ms): in Redis, so that every process
 * exports the same value and a restart keeps it. `<prefix>:snyk:…` cannot meet a BullMQ key, which is
 * `<prefix>:<queue>:…` with a queue named `ingest` or `target-…`; with a hash-tag prefix it shares their slot.
 */
export function snykContactKey(prefix: string, contact: SnykContact): string {
  return `${prefix}:snyk:last-${contact}`;
}

/** The hash of the last ping per org (epoch ms), written by snyk/ping-store.ts recordPing. */
export function snykPingByOrgKey(prefix: string): string {
  return `${prefix}:snyk:last-ping-by-org`;
}

/** Notes that Snyk reached a receiver now. Not awaited by the answer: a failure is left to the caller to report. */
export function noteSnykContact(
  client: Redis | Cluster,
  prefix: string,
  contact: SnykContact,
): Promise<unknown> {
  return client.set(snykContactKey(prefix, contact), String(Date.now()));
}

/** Jobs looked at for the oldest one, from each end where the next jobs come from. */
const SAMPLE = 10;

/**
 * One queue's counts and the queue time (BullMQ's `timestamp`) of the oldest of the jobs due next: the end of the
 * wait list that workers take from (jobs are LPUSHed and taken with RPOPLPUSH, bullmq's storeAndEnqueueJob.lua and
 * moveToActive-11.lua), and the first delayed and prioritized jobs. A target that is down keeps its jobs in
 * `delayed` between retries, so the wait list alone would show an age of 0 all through an outage. Reading every
 * job's hash would cost one HGET per job, so this samples; the age can be low by the time a retried job waited.
 * Keys are those BullMQ's getJobCounts reads (queue-getters.js): `wait`, `active` lists, the others sorted sets.
 */
const QUEUE_STATS_SCRIPT = `
local n = tonumber(ARGV[2])
local oldest = -1
local function consider(ids)
  for _, id in ipairs(ids) do
    local queued = tonumber(redis.call('HGET', ARGV[1] .. id, 'timestamp'))
    if queued and (oldest < 0 or queued < oldest) then oldest = queued end
  end
end
consider(redis.call('LRANGE', KEYS[1], -n, -1))
consider(redis.call('ZRANGE', KEYS[3], 0, n - 1))
consider(redis.call('ZRANGE', KEYS[4], 0, n - 1))
return {
  redis.call('LLEN', KEYS[1]), redis.call('LLEN', KEYS[2]), redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5]), redis.call('ZCARD', KEYS[6]), oldest
}`;

const COMMAND = 'forwarderQueueStats';
const KEY_SUFFIXES = ['wait', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;

type StatsClient = (Redis | Cluster) &
  Record<typeof COMMAND, (...args: Array<string | number>) => Promise<unknown>>;

function statsClient(client: Redis | Cluster): StatsClient {
  // EVALSHA, falling back to EVAL when Redis does not know the script yet (ioredis defineCommand).
  if (!(COMMAND in client)) client.defineCommand(COMMAND, { numberOfKeys: 6, lua: QUEUE_STATS_SCRIPT });
  return client as StatsClient;
}

/**
 * Reads every queue (ingest first, then each target) and the Snyk contact times. The commands go out together:
 * ioredis writes them back to back on one connection, one round trip on a single server; on a Cluster each goes to
 * the shard of its queue's slot (names.ts queuePrefix), where one pipeline would refuse keys of several slots. The
 * scripts are read-only and each touches one queue's keys, like BullMQ's own.
 */
export async function readQueueStats(
  client: Redis | Cluster,
  prefix: string,
  targets: readonly string[],
): Promise<ForwarderStats> {
  const queues = [
    { label: INGEST_QUEUE, name: INGEST_QUEUE },
    ...targets.map((target) => ({ label: target, name: targetQueueName(target) })),
  ];
  const stats = statsClient(client);
  const [perQueue, lastPing, lastDelivery, byOrg] = await Promise.all([
    Promise.all(
      queues.map(({ name }) => {
        const base = `${queuePrefix(prefix, name)}:${name}:`;
        return stats[COMMAND](...KEY_SUFFIXES.map((suffix) => `${base}${suffix}`), base, SAMPLE);
      }),
    ),
    client.get(snykContactKey(prefix, 'ping')),
    client.get(snykContactKey(prefix, 'delivery')),
    client.hgetall(snykPingByOrgKey(prefix)),
  ]);
  const readAt = Date.now();
  const queueStats = queues.map(({ label }, index): QueueStats => {
    const [waiting, active, delayed, prioritized, failed, completed, oldest] = (
      perQueue[index] as number[]
    ).map(Number) as number[];
    const counts = { waiting, active, delayed, prioritized, failed, completed } as Record<QueueState, number>;
    const due = (waiting ?? 0) + (delayed ?? 0) + (prioritized ?? 0);
    return {
      queue: label,
      counts,
      oldestWaitingAgeSeconds:
        due > 0 && oldest !== undefined && oldest >= 0 ? Math.max(0, (readAt - oldest) / 1000) : 0,
      deadLetters: counts.failed,
    };
  });
  const seconds = (raw: unknown) => (typeof raw === 'string' && Number(raw) > 0 ? Number(raw) / 1000 : 0);
  return {
    queues: queueStats,
    lastPingAt: seconds(lastPing),
    lastDeliveryAt: seconds(lastDelivery),
    lastPingByOrg: Object.fromEntries(
      Object.entries(byOrg)
        .map(([org, ms]) => [org, seconds(ms)] as const)
        .filter(([, at]) => at > 0),
    ),
    readAt,
  };
}

/**
 * The last read, reused for `maxAgeMs`, and one read at a time: scrapes of several Prometheus servers, or a scrape
 * and a dashboard poll, cost Redis one read a second at most.
 */
export function cachedQueueStats(
  read: () => Promise<ForwarderStats>,
  maxAgeMs = 1000,
): () => Promise<ForwarderStats> {
  let last: ForwarderStats | undefined;
  let pending: Promise<ForwarderStats> | undefined;
  return () => {
    if (last !== undefined && Date.now() - last.readAt < maxAgeMs) return Promise.resolve(last);
    pending ??= read()
      .then((stats) => (last = stats))
      .finally(() => (pending = undefined));
    return pending;
  };
}
