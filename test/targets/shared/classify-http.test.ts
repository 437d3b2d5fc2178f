// Unit tests of the shared HTTP classification: statuses, retryOn lists and Retry-After forms.
import { describe, expect, it } from 'vitest';
import {
  classifyHttpStatus,
  compileRetryOn,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from '../../../src/targets/shared/classify-http.js';

const what = 'test peer';

describe('classifyHttpStatus (default retryOn)', () => {
  it.each([200, 201, 202, 204, 299])('%i is success', (status) => {
    expect(classifyHttpStatus(status, {}, { what })).toBeUndefined();
  });
  it.each([408, 429, 500, 502, 503, 504, 599])('%i is retryable', (status) => {
    const error = classifyHttpStatus(status, {}, { what });
    expect(error?.retryable).toBe(true);
    expect(error?.code).toBe('http_retryable_status');
  });
  it.each([400, 401, 403, 404, 405, 409, 413, 422, 501, 301, 302, 304, 100])('%i is permanent', (status) => {
    const error = classifyHttpStatus(status, {}, { what });
    expect(error?.retryable).toBe(false);
    expect(error?.code).toBe('http_permanent_status');
  });
  it('names the redirect problem instead of following it', () => {
    expect(classifyHttpStatus(302, { location: 'https://elsewhere' }, { what })?.message).toMatch(
      /not followed/,
    );
  });
  it('turns Retry-After on a retryable status into rateLimited', () => {
    const error = classifyHttpStatus(429, { 'retry-after': '7' }, { what });
    expect(error?.code).toBe('rate_limited');
    expect(error?.retryAfterMs).toBe(7_000);
    expect(classifyHttpStatus(503, { 'retry-after': '1' }, { what })?.retryAfterMs).toBe(1_000);
  });
  it('ignores Retry-After on a permanent status', () => {
    const error = classifyHttpStatus(400, { 'retry-after': '7' }, { what });
    expect(error?.retryable).toBe(false);
    expect(error?.retryAfterMs).toBeUndefined();
  });
});

describe('compileRetryOn', () => {
  it('uses exact codes and classes from the list', () => {
    const retryOn = compileRetryOn([400, '5xx']);
    expect([400, 500, 501, 503].map(retryOn)).toEqual([true, true, true, true]);
    expect([401, 408, 429].map(retryOn)).toEqual([false, false, false]);
    expect(classifyHttpStatus(429, {}, { what, retryOn })?.retryable).toBe(false);
    expect(classifyHttpStatus(400, {}, { what, retryOn })?.retryable).toBe(true);
  });
  it('default excludes 501 only', () => {
    const retryOn = compileRetryOn();
    expect(retryOn(501)).toBe(false);
    expect(retryOn(500)).toBe(true);
    expect(compileRetryOn(['4xx'])(451)).toBe(true);
  });
});

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an IMF-fixdate, RFC 850 and asctime dates', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Thursday, 01-Jan-26 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu Jan  1 00:00:10 2026', now)).toBe(10_000);
  });
  it('treats a past date as 0 and clamps far futures to an hour', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
  });
  it('rejects malformed values', () => {
    for (const bad of [undefined, '', '-5', '1.5', 'soon', 'in 5 seconds']) {
      expect(parseRetryAfter(bad, now)).toBeUndefined();
    }
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000);
  });
});
