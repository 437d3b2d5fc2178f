// The admin token check's pieces: constant-time token compare, HMAC session values, and the bearer header's form.
import { describe, expect, it } from 'vitest';
import { bearerToken, sessionValue, tokensEqual, verifySession } from '../../src/admin/admin-auth.js';

const TOKEN = 'correct-horse-battery-staple';
const NOW = 1_800_000_000;

describe('tokensEqual', () => {
  it('accepts the token and refuses anything else, of any length', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensEqual(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
  });
});

describe('session values', () => {
  it('hold the expiry and an HMAC, never the token', () => {
    const value = sessionValue(TOKEN, NOW + 60);
    expect(value).toMatch(/^v1\.1800000060\.[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain(TOKEN);
    expect(value).not.toContain(Buffer.from(TOKEN).toString('base64url'));
  });

  it('are valid for the token that made them until they expire', () => {
    const value = sessionValue(TOKEN, NOW + 60);
    expect(verifySession(value, TOKEN, NOW)).toBe(true);
    expect(verifySession(value, TOKEN, NOW + 60)).toBe(false);
  });

  it('are refused when made with another token, altered, or malformed', () => {
    expect(verifySession(sessionValue('another-token-of-some-length', NOW + 60), TOKEN, NOW)).toBe(false);
    const [, , mac] = sessionValue(TOKEN, NOW + 60).split('.');
    // A later expiry with the old MAC: the MAC covers the expiry.
    expect(verifySession(`v1.${NOW + 999_999}.${mac}`, TOKEN, NOW)).toBe(false);
    expect(verifySession(`v1.${NOW + 60}.${'A'.repeat(43)}`, TOKEN, NOW)).toBe(false);
    expect(verifySession(TOKEN, TOKEN, NOW)).toBe(false);
    expect(verifySession('', TOKEN, NOW)).toBe(false);
    expect(verifySession(undefined, TOKEN, NOW)).toBe(false);
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, the scheme in any case (RFC 6750 §2.1)', () => {
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken('Bearer abc+/=')).toBe('abc+/=');
  });

  it('tells a missing header from one of another form', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('')).toBeUndefined();
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken('Bearer two words')).toBeNull();
  });
});
