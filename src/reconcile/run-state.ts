// What a reconciliation run keeps in Redis: its cursor (to resume), the org's watermark, and the lock that makes it one.
import type { RedisClient } from 'bullmq';

/** Where a run is: reading the projects, the issues, or (full runs) looking for forwarded findings now resolved. */
export type RunPhase = 'projects' | 'issues' | 'resolve';

export interface RunState {
  /** Deterministic from org, mode and window (normalizers/reconciled.ts): a resumed run keeps its record ids. */
  runId: string;
  /** full: every open issue; incremental: issues updated within (since, until]. */
  mode: 'full' | 'incremental';
  since: string | undefined;
  /** Issues updated after this are left to the next run (their webhook may still be on its way). */
  until: string;
  startedAt: string;
  phase: RunPhase;
  /** links.next of the page to read next in this phase; undefined: the phase's first page. */
  next: string | undefined;
  /** Pages read in this phase: names the target jobs of each page. */
  page: number;
}

/** A run's state lives two days: an interrupted run resumes within them, else the next one starts afresh. */
const STATE_TTL_SECONDS = 2 * 24 * 3600;

export const runStateKey = (prefix: string, org: string) => `${prefix}:reconcile:run:${org}`;
/** The run's projects: id → JSON of what records need and when Snyk last tested it. */
export const runProjectsKey = (prefix: string, org: string) => `${prefix}:reconcile:run:${org}:projects`;
/** Full runs: every open finding seen, as `<project id> <finding key>`. */
export const runOpenKey = (prefix: string, org: string) => `${prefix}:reconcile:run:${org}:open`;
export const watermarkKey = (prefix: string, org: string) => `${prefix}:reconcile:watermark:${org}`;
export const lockKey = (prefix: string, org: string) => `${prefix}:reconcile:lock:${org}`;
/** When the last full run of the org completed (ISO 8601). */
export const lastFullKey = (prefix: string, org: string) => `${prefix}:reconcile:last-full:${org}`;

export async function readRunState(
  redis: RedisClient,
  prefix: string,
  org: string,
): Promise<RunState | undefined> {
  const raw = await redis.hgetall(runStateKey(prefix, org));
  if (raw['runId'] === undefined || raw['until'] === undefined) return undefined;
  const phase = raw['phase'];
  return {
    runId: raw['runId'],
    mode: raw['mode'] === 'incremental' ? 'incremental' : 'full',
    since: raw['since'] || undefined,
    until: raw['until'],
    startedAt: raw['startedAt'] ?? raw['until'],
    phase: phase === 'issues' || phase === 'resolve' ? phase : 'projects',
    next: raw['next'] || undefined,
    page: Number(raw['page'] ?? 0) || 0,
  };
}

export async function saveRunState(
  redis: RedisClient,
  prefix: string,
  org: string,
  state: RunState,
): Promise<void> {
  const key = runStateKey(prefix, org);
  const multi = redis.multi();
  multi.hset(key, {
    runId: state.runId,
    mode: state.mode,
    since: state.since ?? '',
    until: state.until,
    startedAt: state.startedAt,
    phase: state.phase,
    next: state.next ?? '',
    page: state.page,
  });
  multi.runCommand('expire', [key, STATE_TTL_SECONDS]);
  multi.runCommand('expire', [runProjectsKey(prefix, org), STATE_TTL_SECONDS]);
  multi.runCommand('expire', [runOpenKey(prefix, org), STATE_TTL_SECONDS]);
  await multi.exec();
}

/**
 * A run that completed: its state goes, and the next incremental run starts where it ended, when nothing before its
 * window is left unread: a full run, or one whose window starts at or before the watermark. A narrower window
 * (`--since 1h` after a day of failed runs) leaves the watermark where it was, and it never moves back.
 */
export async function finishRun(
  redis: RedisClient,
  prefix: string,
  org: string,
  state: RunState,
): Promise<void> {
  const mark = await readWatermark(redis, prefix, org);
  const covers =
    state.mode === 'full' || (mark !== undefined && state.since !== undefined && state.since <= mark);
  const multi = redis.multi();
  multi.del(runStateKey(prefix, org), runProjectsKey(prefix, org), runOpenKey(prefix, org));
  if (covers && (mark === undefined || state.until > mark))
    multi.runCommand('set', [watermarkKey(prefix, org), state.until]);
  if (state.mode === 'full') multi.runCommand('set', [lastFullKey(prefix, org), state.startedAt]);
  await multi.exec();
}

/** Forgets an unfinished run (a dry run, or one whose state is no use any more). */
export async function dropRun(redis: RedisClient, prefix: string, org: string): Promise<void> {
  await redis.del(runStateKey(prefix, org), runProjectsKey(prefix, org), runOpenKey(prefix, org));
}

export async function readLastFull(
  redis: RedisClient,
  prefix: string,
  org: string,
): Promise<string | undefined> {
  return (await redis.get(lastFullKey(prefix, org))) ?? undefined;
}

export async function readWatermark(
  redis: RedisClient,
  prefix: string,
  org: string,
): Promise<string | undefined> {
  return (await redis.get(watermarkKey(prefix, org))) ?? undefined;
}

// Only the owner may renew or release the lock (the pattern of https://redis.io/docs/latest/commands/set/).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RunLock {
  /** Renews the lock; false when it was lost (expired and taken by another run). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * One run per org at a time, across every process and the command line: SET NX with an expiry, renewed after each
 * page. A process that dies holding it frees it when it expires, and the next run resumes from the saved cursor.
 */
export async function takeRunLock(
  redis: RedisClient,
  prefix: string,
  org: string,
  owner: string,
  ttlMs: number,
): Promise<RunLock | undefined> {
  const key = lockKey(prefix, org);
  const taken = (await redis.runCommand('set', [key, owner, 'PX', ttlMs, 'NX'])) as string | null;
  if (taken !== 'OK') return undefined;
  return {
    async renew() {
      return Number(await redis.runCommand('eval', [RENEW, 1, key, owner, ttlMs])) === 1;
    },
    async release() {
      await redis.runCommand('eval', [RELEASE, 1, key, owner]);
    },
  };
}
