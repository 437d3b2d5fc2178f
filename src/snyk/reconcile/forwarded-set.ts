// The forwarded set in Redis: per project, the open findings the forwarder has forwarded, and when its last snapshot came.
import type { RedisClient } from 'bullmq';
import type { SeverityLetter, SnapshotDelta } from './snapshot-delta.js';

/** BullMQ's client (`queue.backend.client`), so that the ingest worker and reconciliation share their connections. */
export type RedisLike = RedisClient;

/**
 * How long a project's entry lives without a snapshot or a reconciliation touching it. Every snapshot (each test of
 * the project) and every full reconciliation of its org renews it, so only projects deleted from Snyk expire.
 */
export const FORWARDED_TTL_SECONDS = 90 * 24 * 3600;

/** Fields of one HSET or HDEL. */
const FIELDS_PER_COMMAND = 1000;

/** One hash per project: field = finding key (normalizers/finding-key.ts), value = severity letter. */
export function forwardedKey(prefix: string, projectId: string): string {
  return `${prefix}:reconcile:forwarded:${projectId}`;
}

/** One hash for all projects: field = project id, value = when its last project_snapshot was received (epoch ms). */
export function snapshotsKey(prefix: string): string {
  return `${prefix}:reconcile:snapshots`;
}

/**
 * Applies what one project_snapshot delivery changes (fan-out computes it from the payload it parses anyway,
 * workers/fan-out.ts): newIssues add, removedIssues remove. Called by the ingest worker once the delivery's target jobs
 * are stored, so that a finding is in the set only once it is on its way to every target. Idempotent: a retried
 * ingest job applies the same delta again.
 */
export async function recordForwarded(
  redis: RedisLike,
  prefix: string,
  delta: SnapshotDelta,
  receivedAt: string,
): Promise<void> {
  const parsed = Date.parse(receivedAt);
  const receivedMs = Number.isFinite(parsed) ? String(parsed) : '';
  // The common case is one command: this runs once per delivery. A large snapshot's fields go first, in commands of
  // FIELDS_PER_COMMAND (updateForwarded); the script then only renews the entry and notes the time.
  const small = delta.added.size + delta.removed.length <= FIELDS_PER_COMMAND;
  if (!small) await updateForwarded(redis, prefix, delta.projectId, delta.added, delta.removed);
  if (!definedOn.has(redis)) {
    redis.defineCommand(RECORD_SNAPSHOT, { numberOfKeys: 2, lua: RECORD_SNAPSHOT_SCRIPT });
    definedOn.add(redis);
  }
  await redis.runCommand(RECORD_SNAPSHOT, [
    forwardedKey(prefix, delta.projectId),
    snapshotsKey(prefix),
    FORWARDED_TTL_SECONDS,
    delta.projectId,
    receivedMs,
    small ? delta.added.size : 0,
    ...(small ? [...[...delta.added].flat(), ...delta.removed] : []),
  ]);
}

/**
 * One snapshot's delta, its lifetime and its time, atomically. KEYS: the project's forwarded hash, the snapshots
 * hash (both under the prefix's hash tag: one Cluster slot). ARGV: lifetime in s, project id, received time in epoch
 * ms ('' when unknown), the number n of added fields, n field/letter pairs, then the removed fields. At most
 * FIELDS_PER_COMMAND fields in all, far below Lua's stack limit for unpack (LUAI_MAXCSTACK, 8,000).
 */
const RECORD_SNAPSHOT_SCRIPT = `local n = tonumber(ARGV[4])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 5, 4 + 2 * n)) end
if #ARGV > 4 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 5 + 2 * n, #ARGV)) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
if ARGV[3] ~= '' then
  local old = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
  if tonumber(ARGV[3]) > old then redis.call('HSET', KEYS[2], ARGV[2], ARGV[3]) end
end
return 1`;
const RECORD_SNAPSHOT = 'forwarderRecordSnapshot';
/** Clients the script is defined on (defineCommand: EVALSHA, falling back to EVAL once per server). */
const definedOn = new WeakSet<RedisLike>();

/** Every finding key of a project in the set, with its severity letter. */
export async function forwardedOf(
  redis: RedisLike,
  prefix: string,
  projectId: string,
): Promise<Map<string, SeverityLetter>> {
  const all = await redis.hgetall(forwardedKey(prefix, projectId));
  return new Map(Object.entries(all) as [string, SeverityLetter][]);
}

/** Which of the keys the set holds for the project. */
export async function forwardedAmong(
  redis: RedisLike,
  prefix: string,
  projectId: string,
  keys: readonly string[],
): Promise<boolean[]> {
  if (keys.length === 0) return [];
  const values = await redis.hmget(forwardedKey(prefix, projectId), ...keys);
  return values.map((value) => value !== null);
}

/** Adds (reconciled introduced findings) and removes (reconciled resolved ones), renewing the project's lifetime. */
export async function updateForwarded(
  redis: RedisLike,
  prefix: string,
  projectId: string,
  add: ReadonlyMap<string, SeverityLetter>,
  remove: readonly string[],
): Promise<void> {
  const key = forwardedKey(prefix, projectId);
  if (add.size + remove.length <= FIELDS_PER_COMMAND) {
    const multi = redis.multi();
    if (add.size > 0) multi.hset(key, Object.fromEntries(add));
    if (remove.length > 0) multi.runCommand('hdel', [key, ...remove]);
    multi.runCommand('expire', [key, FORWARDED_TTL_SECONDS]);
    const replies = await multi.exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
    return;
  }
  // A large snapshot in commands of FIELDS_PER_COMMAND fields, one at a time: one command of 20,000 fields would hold
  // the event loop that encodes it, and Redis, for tens of ms. Each is idempotent: a failure half-way is retried whole.
  const adds = [...add];
  for (let i = 0; i < adds.length; i += FIELDS_PER_COMMAND)
    await redis.hset(key, Object.fromEntries(adds.slice(i, i + FIELDS_PER_COMMAND)));
  for (let i = 0; i < remove.length; i += FIELDS_PER_COMMAND)
    await redis.hdel(key, ...remove.slice(i, i + FIELDS_PER_COMMAND));
  await redis.runCommand('expire', [key, FORWARDED_TTL_SECONDS]);
}

/** Renews the lifetime of projects' entries (those with none are left without). */
export async function touchForwarded(
  redis: RedisLike,
  prefix: string,
  projectIds: readonly string[],
): Promise<void> {
  if (projectIds.length === 0) return;
  const pipeline = redis.pipeline();
  for (const id of projectIds)
    pipeline.runCommand('expire', [forwardedKey(prefix, id), FORWARDED_TTL_SECONDS]);
  await pipeline.exec();
}

/** When the last snapshot of each project was received (epoch ms), undefined for one never received. */
export async function lastSnapshots(
  redis: RedisLike,
  prefix: string,
  projectIds: readonly string[],
): Promise<Array<number | undefined>> {
  if (projectIds.length === 0) return [];
  const values = await redis.hmget(snapshotsKey(prefix), ...projectIds);
  return values.map((value) => (value === null ? undefined : Number(value)));
}
