// The token bucket keeps requests under Snyk's REST limit, and a 429 holds every request until its wait has passed.
import { describe, expect, it } from 'vitest';
import { createTokenBucket, SNYK_REST_REQUESTS_PER_MINUTE } from '../../src/snyk/token-bucket.js';

/** Sends `n` requests as fast as the bucket allows on a fake clock; returns their send times. */
function drive(bucket: ReturnType<typeof createTokenBucket>, n: number, start = 0): number[] {
  let clock = start;
  const sent: number[] = [];
  for (let i = 0; i < n; i += 1) {
    clock += bucket.take(clock);
    sent.push(clock);
  }
  return sent;
}

describe('createTokenBucket', () => {
  it('never sends more than Snyk allows in any minute, however fast it is asked', () => {
    const sent = drive(createTokenBucket(SNYK_REST_REQUESTS_PER_MINUTE), 5000);
    for (let i = 0; i < sent.length; i += 1) {
      const windowEnd = (sent[i] as number) + 60_000;
      const inWindow = sent.filter((t) => t >= (sent[i] as number) && t < windowEnd).length;
      expect(inWindow).toBeLessThanOrEqual(SNYK_REST_REQUESTS_PER_MINUTE);
    }
    // And it does not crawl: 5,000 requests take about 5,000 / 1,620 minutes.
    expect(sent.at(-1) as number).toBeLessThan((5000 / 1590) * 60_000);
  });

  it('lets a burst through at once, then paces', () => {
    // 63 a minute: 3 at once, then one a second (60 a minute), so no minute holds more than 63.
    const sent = drive(createTokenBucket(63, 3), 5);
    expect(sent).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('holds every request until a 429 wait has passed', () => {
    const bucket = createTokenBucket(600, 10);
    expect(bucket.take(0)).toBe(0);
    bucket.pauseUntil(30_000);
    expect(bucket.take(1000)).toBe(29_000);
    expect(bucket.take(29_000)).toBeGreaterThanOrEqual(1000);
    expect(bucket.take(40_000)).toBe(0);
  });
});
