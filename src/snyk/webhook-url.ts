// The webhook URL rules: https only (loopback http for local tests), which webhooks point at this forwarder, rotation URLs.
import { isLoopbackHost } from './regions.js';

/**
 * Checks a URL to register with Snyk. "Webhooks can only be configured for URLs using the HTTPS protocol. HTTP is not
 * allowed." (https://docs.snyk.io/snyk-api/how-to-use-snyk-webhooks-apis/about-webhooks). Plain http is let through
 * for a loopback host only, where no Snyk could reach it anyway: local tests and development against a test double.
 */
export function checkWebhookUrl(value: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `"${value}" is not a URL` };
  }
  if (url.username !== '' || url.password !== '')
    return { problem: 'must not carry credentials: Snyk signs each delivery instead' };
  if (url.hash !== '') return { problem: 'must not carry a #fragment' };
  if (url.protocol === 'https:') return { url };
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return { url };
  return { problem: 'must be https: Snyk refuses webhooks on plain http' };
}

/**
 * Whether a registered webhook points at `endpoint`: the same origin and path, whatever the query string. The receiver
 * routes on the path alone, so `?rotation=…` (below) reaches the same receiver.
 */
export function sameEndpoint(registered: string, endpoint: string): boolean {
  try {
    const a = new URL(registered);
    const b = new URL(endpoint);
    const path = (url: URL) => url.pathname.replace(/\/+$/, '') || '/';
    return a.origin === b.origin && path(a) === path(b);
  } catch {
    return false;
  }
}

/**
 * The URL of a rotation's new webhook: `url` itself, unless a webhook of the org already has exactly that URL. A
 * duplicate URL in one org is reportedly refused with 422 (Spike.sh's Snyk integration notes, unconfirmed by Snyk),
 * so the new one then gets a `rotation` query parameter, which the receiver ignores.
 */
export function rotationUrl(url: string, existing: readonly string[], now: Date): string {
  if (!existing.includes(url)) return url;
  const next = new URL(url);
  next.searchParams.set('rotation', now.toISOString().replace(/\D/g, '').slice(0, 14));
  return next.toString();
}
