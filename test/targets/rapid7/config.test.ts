// Tests of the Rapid7 configuration schema and the pure address helpers (webhook URL, data host, redaction).
import { describe, expect, it } from 'vitest';
import { rapid7TargetSchema } from '../../../src/targets/rapid7/config.js';
import {
  dataHost,
  parseHostPort,
  redact,
  redactedUrl,
  webhookBase,
  webhookUrl,
} from '../../../src/targets/rapid7/endpoint.js';
import { tokenLine, webhookRequest } from '../../../src/targets/rapid7/frame.js';
import { makeRecord } from '../syslog/fixtures.js';

const token = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';
const issues = (input: object): string =>
  JSON.stringify(rapid7TargetSchema.safeParse({ name: 'r7', type: 'rapid7', ...input }).error?.issues ?? []);

describe('rapid7TargetSchema', () => {
  it('defaults to the webhook transport, json and a 10 s timeout', () => {
    const config = rapid7TargetSchema.parse({ name: 'r7', type: 'rapid7', region: 'eu', token });
    expect(config).toMatchObject({ transport: 'webhook', format: 'json', timeoutMs: 10_000, region: 'eu' });
  });

  it('explains a missing or malformed token and an unknown region', () => {
    expect(issues({ region: 'eu' })).toContain('needs the log token');
    expect(issues({ region: 'eu', token: 'abc' })).toContain('a UUID such as');
    expect(issues({ region: 'mars', token })).toContain('region is one of us, us2, us3, eu, ca, au, ap');
    expect(issues({ token })).toContain('needs region (or endpoint)');
  });

  it('checks endpoint per transport', () => {
    expect(issues({ token, endpoint: 'http://127.0.0.1:8080' })).toContain('base https:// URL');
    expect(issues({ token, endpoint: 'https://127.0.0.1:8443' })).toBe('[]');
    expect(issues({ token, transport: 'token-tls', endpoint: 'https://x' })).toContain('host:port');
    expect(issues({ token, transport: 'token-tls', endpoint: '127.0.0.1:6443' })).toBe('[]');
    expect(issues({ transport: 'syslog' })).toContain('needs endpoint');
    expect(issues({ transport: 'syslog', endpoint: 'collector:6514', token })).toContain(
      'does not use a token',
    );
    expect(issues({ region: 'us', token, framing: 'lf' })).toContain('transport: syslog only');
  });
});

describe('addresses', () => {
  it('builds the webhook URL from region or endpoint, keeping /v1/noformat/<token>', () => {
    expect(webhookUrl(webhookBase('us3'), token).toString()).toBe(
      `https://us3.webhook.logs.insight.rapid7.com/v1/noformat/${token}`,
    );
    expect(webhookUrl('https://proxy.example:8443/r7/', token).toString()).toBe(
      `https://proxy.example:8443/r7/v1/noformat/${token}`,
    );
    expect(dataHost('ap')).toBe('ap.data.logs.insight.rapid7.com');
  });

  it('redacts the token from URLs and text', () => {
    const url = webhookUrl(webhookBase('eu'), token);
    expect(redactedUrl(url, token)).toBe('https://eu.webhook.logs.insight.rapid7.com/v1/noformat/<redacted>');
    expect(redact(`x ${token} y ${token}`, token)).toBe('x <redacted> y <redacted>');
  });

  it('parses host:port and [v6]:port', () => {
    expect(parseHostPort('collector.example:6514')).toEqual({ host: 'collector.example', port: 6514 });
    expect(parseHostPort('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(parseHostPort('host')).toBeUndefined();
    expect(parseHostPort('host:70000')).toBeUndefined();
  });
});

describe('encoding', () => {
  it('token lines start with the token, end with one LF and carry no other line break', () => {
    const line = tokenLine(token, makeRecord({ body: 'a\nb\rc' }));
    expect(line).toBe(`${token} a b c\n`);
  });

  it('webhook bodies are the record; JSON formats are application/json', () => {
    expect(webhookRequest(makeRecord({ format: 'json', body: '{"a":1}' }))).toEqual({
      body: '{"a":1}',
      contentType: 'application/json; charset=utf-8',
    });
    expect(webhookRequest(makeRecord({ format: 'cef', body: 'CEF:0|x' })).contentType).toContain(
      'text/plain',
    );
  });
});
