// SNYK_API_URL takes a region's API host or name, over https.
import { describe, expect, it } from 'vitest';
import { parseApiUrl, regionOf } from '../../src/snyk/regions.js';

describe('SNYK_API_URL', () => {
  it('takes a region name or an https origin, and drops a trailing /v1 or /rest', () => {
    expect(parseApiUrl('SNYK-EU-01')).toEqual({ url: 'https://api.eu.snyk.io' });
    expect(parseApiUrl('snyk-au-01')).toEqual({ url: 'https://api.au.snyk.io' });
    expect(parseApiUrl('https://api.us.snyk.io/v1/')).toEqual({ url: 'https://api.us.snyk.io' });
    expect(parseApiUrl('https://api.snyk.io/rest')).toEqual({ url: 'https://api.snyk.io' });
    expect(parseApiUrl('https://proxy.example.com/snyk')).toEqual({ url: 'https://proxy.example.com/snyk' });
    expect(regionOf('https://api.eu.snyk.io')?.id).toBe('SNYK-EU-01');
    expect(regionOf('https://proxy.example.com')).toBeUndefined();
  });

  it('refuses plain http except to loopback, credentials, and anything that is not a URL', () => {
    expect(parseApiUrl('http://api.snyk.io')).toEqual({ problem: expect.stringContaining('must be https') });
    expect(parseApiUrl('http://127.0.0.1:4000')).toEqual({ url: 'http://127.0.0.1:4000' });
    expect(parseApiUrl('https://user:pw@api.snyk.io')).toEqual({
      problem: expect.stringContaining('credentials'),
    });
    expect(parseApiUrl('SNYK-XX-09')).toEqual({ problem: expect.stringContaining('SNYK-EU-01') });
  });
});
