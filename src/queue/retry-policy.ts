// The one retry policy: exponential backoff with full jitter, a cap, an age limit, and the mapping of typed errors.
import { UnrecoverableError, type JobsOptions, type MinimalJob } from 'bullmq';
import { DeliveryError } from '../errors.js';
import type { RetryConfig } from '../config/schema.js';

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

/** Worker `settings.backoffStrategy`: returns -1 (fail the job) once the age limit is passed. */
export function backoffStrategy(policy: RetryConfig) {
  return (attemptsMade: number, _type?: string, _error?: Error, job?: MinimalJob): number => {
    if (job && retryAgeExceeded(job, policy, Date.now())) return -1;
    return Math.max(1, fullJitterDelay(attemptsMade, policy));
  };
}

export function deliveryJobOptions(policy: RetryConfig, keepCompleted: number): JobsOptions {
  return {
    attempts: policy.attempts === 0 ? UNLIMITED_ATTEMPTS : policy.attempts,
    backoff: { type: BACKOFF_TYPE },
    removeOnComplete: { count: keepCompleted },
    // The failed set is the target's dead-letter queue: keep everything until an operator replays or purges it.
    removeOnFail: false,
  };
}

export type FailureDecision =
  | { kind: 'retry'; error: Error }
  | { kind: 'dead-letter'; error: UnrecoverableError }
  | { kind: 'rate-limit'; delayMs: number; error: Error };

/**
 * The single place that maps an error to BullMQ's decision: retry with backoff, dead-letter now, or pause the
 * target's queue for the peer's Retry-After without spending an attempt.
 */
export function decideFailure(error: unknown): FailureDecision {
  if (error instanceof DeliveryError) {
    if (!error.retryable) {
      return { kind: 'dead-letter', error: new UnrecoverableError(`${error.code}: ${error.message}`) };
    }
    if (error.retryAfterMs !== undefined && error.retryAfterMs > 0) {
      return { kind: 'rate-limit', delayMs: error.retryAfterMs, error };
    }
    return { kind: 'retry', error: new Error(`${error.code}: ${error.message}`) };
  }
  if (error instanceof UnrecoverableError) return { kind: 'dead-letter', error };
  // Unknown errors are retried: losing a record to a bug we could not classify is worse than a retry.
  return { kind: 'retry', error: error instanceof Error ? error : new Error(String(error)) };
}
