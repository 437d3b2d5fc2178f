// The shared retry policy: full-jitter backoff bounds, the age limit, and the mapping of typed errors.
import { UnrecoverableError } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { permanent, rateLimited, retryable } from '../../src/errors.js';
import { retrySchema } from '../../src/config/schema.js';
import {
  backoffStrategy,
  decideFailure,
  targetJobOptions,
  fullJitterDelay,
  retryAgeExceeded,
} from '../../src/queue/retry-policy.js';

const policy = retrySchema.parse({ baseDelayMs: 1000, maxDelayMs: 300_000, maxRetryAgeSeconds: 3600 });

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base * 2^(n-1))) for every attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (n, r) => {
          const delay = fullJitterDelay(n, policy, () => r);
          const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
          return delay >= 0 && delay < ceiling && Number.isInteger(delay);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('doubles the ceiling per attempt until the cap', () => {
    const top = () => 0.9999999;
    expect(fullJitterDelay(1, policy, top)).toBe(999);
    expect(fullJitterDelay(3, policy, top)).toBe(3999);
    expect(fullJitterDelay(30, policy, top)).toBe(299_999);
  });

  it('spreads retries: 1,000 draws at attempt 5 cover most of the range', () => {
    const draws = Array.from({ length: 1000 }, () => fullJitterDelay(5, policy));
    expect(Math.min(...draws)).toBeLessThan(1600);
    expect(Math.max(...draws)).toBeGreaterThan(14_400);
  });
});

describe('retry age', () => {
  it('is exceeded once the job is older than maxRetryAgeSeconds, and a replay restarts the clock', () => {
    const now = Date.now();
    expect(retryAgeExceeded({ timestamp: now - 3_599_000, data: {} }, policy, now)).toBe(false);
    expect(retryAgeExceeded({ timestamp: now - 3_601_000, data: {} }, policy, now)).toBe(true);
    expect(
      retryAgeExceeded({ timestamp: now - 9_000_000, data: { replayedAt: now - 1000 } }, policy, now),
    ).toBe(false);
  });

  it('makes the backoff strategy answer -1 (dead-letter) past the age limit', () => {
    const strategy = backoffStrategy(policy);
    const old = { timestamp: Date.now() - 4_000_000, data: {} } as Parameters<typeof strategy>[3];
    const fresh = { timestamp: Date.now(), data: {} } as Parameters<typeof strategy>[3];
    expect(strategy(3, 'full-jitter', new Error('x'), old)).toBe(-1);
    expect(strategy(3, 'full-jitter', new Error('x'), fresh)).toBeGreaterThan(0);
  });
});

describe('decideFailure', () => {
  it('retries retryable errors', () => {
    expect(decideFailure(retryable('network_error', 'ECONNRESET')).kind).toBe('retry');
  });

  it('dead-letters permanent errors with the code in the reason', () => {
    const decision = decideFailure(permanent('http_permanent_status', 'HTTP 400'));
    expect(decision.kind).toBe('dead-letter');
    expect(decision.error).toBeInstanceOf(UnrecoverableError);
    expect(decision.error.message).toBe('http_permanent_status: HTTP 400');
  });

  it('turns Retry-After into a queue pause, not an attempt', () => {
    const decision = decideFailure(rateLimited('HTTP 429', 7000));
    expect(decision).toMatchObject({ kind: 'rate-limit', delayMs: 7000 });
  });

  it('retries errors it cannot classify rather than losing records', () => {
    expect(decideFailure(new TypeError('bug')).kind).toBe('retry');
    expect(decideFailure('a string').kind).toBe('retry');
  });
});

describe('targetJobOptions', () => {
  it('keeps failed jobs (the dead-letter queue) and uses the full-jitter backoff', () => {
    const options = targetJobOptions(policy, 100);
    expect(options.removeOnFail).toBe(false);
    expect(options.backoff).toEqual({ type: 'full-jitter' });
    expect(options.attempts).toBeGreaterThan(100_000);
    expect(targetJobOptions({ ...policy, attempts: 5 }, 100).attempts).toBe(5);
  });
});
