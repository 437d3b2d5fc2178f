// The one retry policy: exponential backoff with full jitter, a cap, an age limit, and the mapping of typed errors.
import { UnrecoverableError, type JobsOptions, type MinimalJob } from 'bullmq';
import { SendError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Config, RetryConfig } from '../config/schema.js';

/** BullMQ needs a number; "no count limit" is a count that the age limit always reaches first. */
const UNLIMITED_ATTEMPTS = 1_000_000;
export const BACKOFF_TYPE = 'full-jitter';

/**
 * Full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015): wait a uniform random time in
 * [0, min(cap, base * 2^(n-1))], which spreads retries of many jobs instead of synchronising them on a recovering peer.
 */
export function fullJitterDelay(
  attemptsMade: number,
  policy: RetryConfig,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attemptsMade - 1, 0), 40);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * True when the job was queued (or replayed from the dead-letter queue) longer ago than the policy lets it retry.
 * A replay stamps `replayedAt` in the job data, which restarts the clock.
 */
export function retryAgeExceeded(
  job: Pick<MinimalJob, 'timestamp' | 'data'>,
  policy: RetryConfig,
  now: number,
): boolean {
  const replayedAt = (job.data as { replayedAt?: unknown } | undefined)?.replayedAt;
  const since = Math.max(job.timestamp, typeof replayedAt === 'number' ? replayedAt : 0);
  return now - since > policy.maxRetryAgeSeconds * 1000;
}

/**
 * Errors that decideFailure already judged retryable with the age limit checked. The backoff strategy runs a moment
 * later on its own clock; judging the age again there could dead-letter a job that was just logged as "will retry".
 */
const retryJudged = new WeakSet<Error>();

/**
 * Worker `settings.backoffStrategy`: returns -1 (fail the job) once the age limit is passed. Failures the worker
 * already judged (decideFailure with the job) are not judged twice; this check catches the others.
 */
export function backoffStrategy(policy: RetryConfig) {
  return (attemptsMade: number, _type?: string, error?: Error, job?: MinimalJob): number => {
    const judged = error !== undefined && retryJudged.has(error);
    if (job && !judged && retryAgeExceeded(job, policy, Date.now())) return -1;
    return Math.max(1, fullJitterDelay(attemptsMade, policy));
  };
}

/** BullMQ's failedReason for a job recovered from a stalled state more than `maxStalledCount` times. */
export const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * Stalled-job recovery, the same for the ingest and target workers. A job whose worker died keeps its lock until
 * `lockDuration` runs out; a stalled-job check, run every `stalledInterval` by any live worker, then puts it back in
 * the queue, and a job put back more than `maxStalledCount` times fails with STALLED_TOO_OFTEN instead.
 */
export function stalledJobOptions(
  workers: Pick<Config['workers'], 'lockDurationMs' | 'stalledIntervalMs' | 'maxStalledCount'>,
): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  return {
    lockDuration: workers.lockDurationMs,
    stalledInterval: workers.stalledIntervalMs,
    maxStalledCount: workers.maxStalledCount,
  };
}

/**
 * How many completed jobs a queue keeps (`workers.keepCompleted`) and for how long (`workers.keepCompletedSeconds`).
 * BullMQ applies both when a job completes, removing the oldest past the count and every one past the age; a quiet
 * queue therefore keeps its last jobs until the next completion ("KeepJobs", bullmq's types/keep-jobs.d.ts).
 */
export function completedJobRetention(
  keepCompleted: number,
  keepCompletedSeconds?: number,
): { count: number } | { count: number; age: number } {
  return keepCompletedSeconds === undefined
    ? { count: keepCompleted }
    : { count: keepCompleted, age: keepCompletedSeconds };
}

/** Options of every target job; without `keepCompletedSeconds`, completed jobs are bounded by count only. */
export function targetJobOptions(
  policy: RetryConfig,
  keepCompleted: number,
  keepCompletedSeconds?: number,
): JobsOptions {
  return {
    attempts: policy.attempts === 0 ? UNLIMITED_ATTEMPTS : policy.attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: completedJobRetention(keepCompleted, keepCompletedSeconds),
    // The failed set is the target's dead-letter queue: keep everything until an operator replays or purges it.
    removeOnFail: false,
  };
}

/**
 * Thrown by a worker when a job's retry starts after `retry.maxRetryAgeSeconds` (a backoff or a Retry-After pause can
 * end past it), so that decideFailure dead-letters it like any other failure.
 */
export class RetryAgeExceeded extends Error {
  constructor(maxRetryAgeSeconds: number) {
    super(`still failing after retry.maxRetryAgeSeconds (${maxRetryAgeSeconds} s)`);
    this.name = 'RetryAgeExceeded';
  }
}

/** Every decision names the registry code (src/errors.ts) and the message without it. */
interface Judged {
  code: ErrorCode;
  message: string;
}

export type FailureDecision = Judged &
  (
    | { kind: 'retry'; error: Error }
    | { kind: 'dead-letter'; error: UnrecoverableError }
    | { kind: 'rate-limit'; delayMs: number; error: Error }
    /** Retryable, but this was the last attempt (`retry.attempts`) or the job is too old (retry.maxRetryAgeSeconds). */
    | { kind: 'exhausted'; limit: 'attempts' | 'age'; attempts: number; error: UnrecoverableError }
  );

/** The attempt that failed: with it, decideFailure also says whether a retry is still allowed. */
export interface FailedAttempt {
  job: Pick<MinimalJob, 'attemptsMade' | 'opts' | 'timestamp' | 'data'>;
  /** The age limit; without it (ingest jobs) only the job's attempt count limits its retries. */
  policy?: RetryConfig;
  now: number;
  /** The code of the job's last recorded failure (queue/failures.ts), for a retry that starts too late. */
  lastCode?: ErrorCode | undefined;
}

/**
 * The single place that maps an error to BullMQ's decision: retry with backoff, dead-letter now, or pause the
 * target's queue for the peer's Retry-After without spending an attempt. Given the failed attempt, a retryable error
 * on the last attempt or past the age limit is `exhausted`: the job is dead-lettered, and the caller can say so.
 * Errors nobody classified get `internal_error`; a job BullMQ failed for stalling too often gets `job_stalled`.
 */
export function decideFailure(error: unknown, attempt?: FailedAttempt): FailureDecision {
  if (error instanceof SendError) {
    const judged = { code: error.code, message: error.message };
    if (!error.retryable) {
      return {
        kind: 'dead-letter',
        ...judged,
        error: new UnrecoverableError(`${error.code}: ${error.message}`),
      };
    }
    if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) {
      return { kind: 'rate-limit', ...judged, delayMs: error.retryAfterMs, error };
    }
    return retryUnlessExhausted(judged, new Error(`${error.code}: ${error.message}`), attempt);
  }
  if (error instanceof RetryAgeExceeded) {
    // No failure recorded although an earlier attempt started: each earlier attempt ended with its worker stopping.
    const code = attempt?.lastCode ?? 'job_stalled';
    return {
      kind: 'exhausted',
      limit: 'age',
      code,
      message: error.message,
      attempts: (attempt?.job.attemptsMade ?? 0) + 1,
      error: new UnrecoverableError(`${code}: ${error.message}`),
    };
  }
  if (error instanceof UnrecoverableError) {
    const code = error.message === STALLED_TOO_OFTEN ? 'job_stalled' : 'internal_error';
    return { kind: 'dead-letter', code, message: error.message, error };
  }
  // Unknown errors are retried: losing a record to a bug we could not classify is worse than a retry.
  const unknown = error instanceof Error ? error : new Error(String(error));
  return retryUnlessExhausted({ code: 'internal_error', message: unknown.message }, unknown, attempt);
}

function retryUnlessExhausted(
  judged: Judged,
  error: Error,
  attempt: FailedAttempt | undefined,
): FailureDecision {
  if (!attempt) return { kind: 'retry', ...judged, error };
  const attempts = attempt.job.attemptsMade + 1;
  // BullMQ retries only while attemptsMade + 1 < opts.attempts (Job.shouldRetryJob).
  const limit =
    attempts >= (attempt.job.opts.attempts ?? 0)
      ? 'attempts'
      : attempt.policy && retryAgeExceeded(attempt.job, attempt.policy, attempt.now)
        ? 'age'
        : undefined;
  if (limit === undefined) {
    retryJudged.add(error);
    return { kind: 'retry', ...judged, error };
  }
  const final = new UnrecoverableError(error.message);
  if (error.stack !== undefined) final.stack = error.stack;
  return { kind: 'exhausted', ...judged, limit, attempts, error: final };
}
