// Snyk's regional API hosts: the four regions whose v1 API serves webhooks, and how SNYK_API_URL is read.

export interface SnykRegion {
  /** Snyk's name of the region, e.g. SNYK-EU-01. */
  id: string;
  /** Origin of the API; the v1 API is under /v1, REST under /rest. */
  apiUrl: string;
}

/**
 * The regions whose v1 API serves webhooks: "During this beta, Webhooks are available only in the Snyk US-01, US-02,
 * EU-01, and AU-01 regions" (https://docs.snyk.io/snyk-api/reference/webhooks-v1). SNYK-US-01 is the default host.
 */
export const SNYK_REGIONS: readonly SnykRegion[] = [
  { id: 'SNYK-US-01', apiUrl: 'https://api.snyk.io' },
  { id: 'SNYK-US-02', apiUrl: 'https://api.us.snyk.io' },
  { id: 'SNYK-EU-01', apiUrl: 'https://api.eu.snyk.io' },
  { id: 'SNYK-AU-01', apiUrl: 'https://api.au.snyk.io' },
];

export const DEFAULT_API_URL = 'https://api.snyk.io';

/** The region an API origin belongs to; undefined for any other host (a proxy, or a local test double). */
export function regionOf(apiUrl: string): SnykRegion | undefined {
  return SNYK_REGIONS.find((region) => region.apiUrl === apiUrl);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A loopback host: plain http to it is allowed for local tests and development only. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Reads `snyk.apiUrl` / SNYK_API_URL: a region's name (SNYK-EU-01, case-insensitive) or an https origin. A trailing
 * `/v1` or `/rest` (the bases Snyk's docs print) and trailing slashes are dropped, since the client adds `/v1` itself.
 * The v1 API is "available only over HTTPS. Calling the API over HTTP will yield a 404 for all requests"
 * (https://docs.snyk.io/snyk-api/v1-api), so plain http is refused except on loopback.
 */
export function parseApiUrl(value: string): { url: string } | { problem: string } {
  const region = SNYK_REGIONS.find((candidate) => candidate.id === value.trim().toUpperCase());
  if (region) return { url: region.apiUrl };
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return {
      problem: `"${value}" is neither a URL nor a region (${SNYK_REGIONS.map((r) => r.id).join(', ')})`,
    };
  }
  if (url.username !== '' || url.password !== '')
    return { problem: 'must not carry credentials; the token goes in SNYK_TOKEN' };
  if (url.search !== '' || url.hash !== '') return { problem: 'must not carry a query or a fragment' };
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
    return { problem: 'must be https: Snyk answers 404 to every request over plain http' };
  const path = url.pathname.replace(/\/+$/, '').replace(/\/(?:v1|rest)$/, '');
  return { url: `${url.origin}${path}` };
}
