// decideFailure with the failed attempt: the last attempt, or a job past its retry age, is dead-lettered, not retried.
import { UnrecoverableError, type MinimalJob } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { retrySchema } from '../../src/config/schema.js';
import { permanent, rateLimited, retryable } from '../../src/errors.js';
import {
  backoffStrategy,
  decideFailure,
  RetryAgeExceeded,
  STALLED_TOO_OFTEN,
  type FailedAttempt,
} from '../../src/queue/retry-policy.js';

const policy = retrySchema.parse({ maxRetryAgeSeconds: 3600 });
const now = Date.now();

function attempt(attemptsMade: number, attempts: number, ageSeconds = 0): FailedAttempt {
  return {
    job: { attemptsMade, opts: { attempts }, timestamp: now - ageSeconds * 1000, data: {} },
    policy,
    now,
  };
}

describe('decideFailure on the last attempt', () => {
  it('retries a retryable error while attempts are left', () => {
    expect(decideFailure(retryable('network_error', 'ECONNRESET'), attempt(0, 2)).kind).toBe('retry');
  });

  it('dead-letters a retryable error on the last attempt, with the attempt count and the same reason', () => {
    const decision = decideFailure(retryable('http_retryable_status', 'HTTP 503'), attempt(1, 2));
    expect(decision).toMatchObject({ kind: 'exhausted', limit: 'attempts', attempts: 2 });
    expect(decision.error).toBeInstanceOf(UnrecoverableError);
    expect(decision.error.message).toBe('http_retryable_status: HTTP 503');
  });

  it('dead-letters an unclassified error past the retry age', () => {
    const decision = decideFailure(new Error('bug'), attempt(4, 1_000_000, 3601));
    expect(decision).toMatchObject({ kind: 'exhausted', limit: 'age', attempts: 5 });
    expect(decision.error.message).toBe('bug');
  });

  it('keeps permanent errors and Retry-After pauses as they were', () => {
    expect(decideFailure(permanent('http_permanent_status', 'HTTP 400'), attempt(1, 2)).kind).toBe(
      'dead-letter',
    );
    expect(decideFailure(rateLimited('HTTP 429', 1000), attempt(1, 2)).kind).toBe('rate-limit');
  });
});

describe('backoffStrategy after a decided retry', () => {
  it('does not dead-letter a failure the worker judged retryable, even if the age limit passes in between', () => {
    const decision = decideFailure(retryable('network_error', 'ECONNRESET'), attempt(0, 1_000_000, 3599));
    expect(decision.kind).toBe('retry');
    const strategy = backoffStrategy(policy);
    // A moment later the job is past its age: an undecided error is dead-lettered, the decided one still retries.
    const aged = { timestamp: now - 3_601_000, data: {} } as MinimalJob;
    expect(strategy(1, 'full-jitter', decision.error, aged)).toBeGreaterThan(0);
    expect(strategy(1, 'full-jitter', new Error('escaped the worker'), aged)).toBe(-1);
  });
});

describe('the code of each decision', () => {
  it('is the SendError code, with its message apart', () => {
    expect(decideFailure(permanent('http_permanent_status', 'HTTP 400'))).toMatchObject({
      kind: 'dead-letter',
      code: 'http_permanent_status',
      message: 'HTTP 400',
    });
    expect(decideFailure(rateLimited('HTTP 429', 1000))).toMatchObject({ code: 'rate_limited' });
    expect(decideFailure(retryable('timeout', 'no answer'), attempt(1, 2))).toMatchObject({
      kind: 'exhausted',
      code: 'timeout',
      message: 'no answer',
    });
  });

  it('is internal_error for an error nobody classified, retried or exhausted', () => {
    expect(decideFailure(new TypeError('bug'), attempt(0, 2))).toMatchObject({
      kind: 'retry',
      code: 'internal_error',
    });
    expect(decideFailure(new TypeError('bug'), attempt(1, 2))).toMatchObject({
      kind: 'exhausted',
      code: 'internal_error',
      message: 'bug',
    });
  });

  it('is job_stalled for a job BullMQ failed for stalling too often', () => {
    expect(decideFailure(new UnrecoverableError(STALLED_TOO_OFTEN))).toMatchObject({
      kind: 'dead-letter',
      code: 'job_stalled',
    });
  });

  it('is the last recorded code for a retry that starts past the age limit, job_stalled if none was recorded', () => {
    const late = { ...attempt(3, 1_000_000, 3601), lastCode: 'network_error' as const };
    const decision = decideFailure(new RetryAgeExceeded(3600), late);
    expect(decision).toMatchObject({ kind: 'exhausted', limit: 'age', code: 'network_error', attempts: 4 });
    expect(decision.error).toBeInstanceOf(UnrecoverableError);
    expect(decision.error.message).toBe(
      'network_error: still failing after retry.maxRetryAgeSeconds (3600 s)',
    );
    expect(decideFailure(new RetryAgeExceeded(3600), attempt(1, 1_000_000, 3601)).code).toBe('job_stalled');
  });
});
