// A token bucket: how long to wait before the next request so that a rate limit per minute is never passed.

/**
 * Snyk's REST API allows "1,620 requests per minute per API key"; above it every request gets 429 "until requests
 * stop for the duration of the rate-limiting interval (one minute)" (https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api).
 * A burst past the limit costs a whole minute, so the client spends tokens instead of waiting to be told.
 */
export const SNYK_REST_REQUESTS_PER_MINUTE = 1620;

export interface TokenBucket {
  /** Takes one token; resolves the milliseconds to wait before the request may go (0 when a token was there). */
  take(nowMs: number): number;
  /** Empties the bucket until `untilMs`: Snyk answered 429, so nothing may go before the wait it asked for. */
  pauseUntil(untilMs: number): void;
}

/**
 * At most `perMinute` requests in any minute: a burst of `burst` at once, and the bucket refilled continuously at
 * `perMinute - burst` a minute, so that a full burst plus a minute of refill never passes the limit. Pure: the caller
 * passes the clock and does the waiting, so tests drive it with a fake clock.
 */
export function createTokenBucket(
  perMinute: number,
  burst = Math.max(1, Math.floor(perMinute / 60)),
): TokenBucket {
  const msPerToken = 60_000 / Math.max(1, perMinute - burst);
  let tokens = burst;
  let last: number | undefined;
  let pausedUntil = 0;
  return {
    take(nowMs) {
      if (last === undefined) last = nowMs;
      tokens = Math.min(burst, tokens + Math.max(0, nowMs - last) / msPerToken);
      last = nowMs;
      // The token is spent now, even when it is only there after the wait: the next caller queues behind this one.
      tokens -= 1;
      const wait = tokens >= 0 ? 0 : Math.ceil(-tokens * msPerToken);
      return Math.max(wait, pausedUntil - nowMs, 0);
    },
    pauseUntil(untilMs) {
      pausedUntil = Math.max(pausedUntil, untilMs);
      tokens = Math.min(tokens, 0);
    },
  };
}
