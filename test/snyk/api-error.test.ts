// Each failed Snyk API call becomes one line that says what was tried, what Snyk answered and what to do, without the token.
import { describe, expect, it } from 'vitest';
import { snykSaid, statusFailure, transportFailure } from '../../src/snyk/api-error.js';

const TOKEN = '5e0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const context = { operation: 'create a webhook in org 0f3c', apiUrl: 'https://api.eu.snyk.io', token: TOKEN };

function failure(status: number, body = '', extra: object = {}) {
  return statusFailure({ ...context, status, body, ...extra });
}

describe('the line for a failed Snyk API call', () => {
  it("names the operation, the status, Snyk's words and the fix, on one line, for each documented status", () => {
    const cases: Array<[number, string, string, RegExp]> = [
      [
        401,
        '{"code":401,"error":"Not authorised","message":"Not authorised"}',
        'unauthorized',
        /401 Not authorised by https:\/\/api\.eu\.snyk\.io \(SNYK-EU-01\).*SNYK_TOKEN.*region/,
      ],
      [
        403,
        '{"code":403,"message":"The org acme is not entitled for api access"}',
        'not_entitled',
        /403 not entitled for API access; Snyk said "The org acme is not entitled for api access".*Enterprise/,
      ],
      [
        403,
        '{"code":403,"message":"Forbidden"}',
        'forbidden',
        /403 Forbidden.*Create and Remove Outbound Webhooks/,
      ],
      [404, '{"code":404,"message":"Org not found"}', 'not_found', /404 Not Found.*org ID.*webhook ID/],
      [
        422,
        '{"code":422,"message":"A webhook with this url already exists"}',
        'invalid_request',
        /422 the request was refused; Snyk said "A webhook with this url already exists"/,
      ],
      [
        500,
        '<html>\n<body>Internal error</body>\n</html>',
        'server_error',
        /500 from https:\/\/api\.eu\.snyk\.io .*Snyk's side.*status\.snyk\.io/,
      ],
      [503, '', 'server_error', /503 from/],
      [418, 'teapot', 'unexpected_status', /unexpected 418/],
    ];
    for (const [status, body, kind, pattern] of cases) {
      const error = failure(status, body);
      expect(error.kind, String(status)).toBe(kind);
      expect(error.status).toBe(status);
      expect(error.message, String(status)).toMatch(/^Snyk API: could not create a webhook in org 0f3c: /);
      expect(error.message, String(status)).toMatch(pattern);
      expect(error.message).not.toContain('\n');
    }
  });

  it('says how often a 429 was tried and what Retry-After asked for', () => {
    const error = failure(429, '{"message":"Too many requests"}', {
      rateLimit: { attempts: 3, retryAfterSeconds: 60 },
    });
    expect(error.kind).toBe('rate_limited');
    expect(error.message).toContain('429 Too Many Requests after 3 attempts (Retry-After 60 s)');
    expect(error.message).toContain('Snyk said "Too many requests"');
  });

  it('names a redirect and does not follow it', () => {
    const error = failure(301, '', { location: 'https://api.snyk.io/v1/org/0f3c/webhooks' });
    expect(error.message).toContain('301 redirect to https://api.snyk.io/v1/org/0f3c/webhooks, not followed');
  });

  it('never repeats the token, even when the answer echoes it', () => {
    const error = failure(401, JSON.stringify({ message: `token ${TOKEN} is not valid` }));
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain('[redacted]');
    const network = transportFailure(
      context,
      Object.assign(new Error(`connect ECONNREFUSED ${TOKEN}`), { code: 'ECONNREFUSED' }),
      false,
    );
    expect(network.message).not.toContain(TOKEN);
    expect(network.kind).toBe('network');
    expect(network.message).toMatch(
      /unreachable \(ECONNREFUSED: connect ECONNREFUSED \[redacted\]\); check SNYK_API_URL/,
    );
  });

  it('says when Snyk did not answer in time', () => {
    const error = transportFailure(context, new Error('no complete answer within 30000 ms'), true);
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('no answer from https://api.eu.snyk.io (SNYK-EU-01) in time');
  });

  it("quotes at most 200 characters of Snyk's answer, on one line", () => {
    const said = snykSaid(`line one\n${'x'.repeat(500)}`, TOKEN);
    expect(said.startsWith('line one x')).toBe(true);
    expect(said).toHaveLength(201);
    expect(said.endsWith('…')).toBe(true);
  });
});
