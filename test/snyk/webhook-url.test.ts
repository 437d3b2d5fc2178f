// The webhook URL must be https; webhooks pointing here are found whatever their query; a rotation URL differs from the old one.
import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, rotationUrl, sameEndpoint } from '../../src/snyk/webhook-url.js';

describe('webhook URLs', () => {
  it('must be https, as Snyk requires, except to a loopback address', () => {
    expect('url' in checkWebhookUrl('https://siem.example.com/webhooks/snyk')).toBe(true);
    expect(checkWebhookUrl('http://siem.example.com/webhooks/snyk')).toEqual({
      problem: expect.stringContaining('https'),
    });
    expect('url' in checkWebhookUrl('http://127.0.0.1:8080/webhooks/snyk')).toBe(true);
    expect('url' in checkWebhookUrl('http://[::1]:8080/webhooks/snyk')).toBe(true);
    expect(checkWebhookUrl('ftp://x')).toEqual({ problem: expect.stringContaining('https') });
    expect(checkWebhookUrl('not a url')).toEqual({ problem: expect.stringContaining('not a URL') });
  });

  it('point at this forwarder when origin and path match, whatever the query', () => {
    const ours = 'https://siem.example.com/webhooks/snyk';
    expect(sameEndpoint('https://siem.example.com/webhooks/snyk?rotation=20260101', ours)).toBe(true);
    expect(sameEndpoint('https://siem.example.com/webhooks/snyk/', ours)).toBe(true);
    expect(sameEndpoint('https://SIEM.example.com:443/webhooks/snyk', ours)).toBe(true);
    expect(sameEndpoint('https://siem.example.com/other', ours)).toBe(false);
    expect(sameEndpoint('https://hooks.slack.com/services/x', ours)).toBe(false);
    expect(sameEndpoint('garbage', ours)).toBe(false);
  });

  it('get a rotation parameter only when the org already has exactly that URL', () => {
    const url = 'https://siem.example.com/webhooks/snyk';
    const now = new Date('2026-03-04T05:06:07.890Z');
    expect(rotationUrl(url, [], now)).toBe(url);
    expect(rotationUrl(url, [`${url}?rotation=20260101000000`], now)).toBe(url);
    expect(rotationUrl(url, [url], now)).toBe(`${url}?rotation=20260304050607`);
  });
});
