// Rapid7 InsightIDR / Log Search addresses: region codes, the webhook URL, the token-TCP data host, and token redaction.

/**
 * Region codes: the first label of the product URL, e.g. us.idr.insight.rapid7.com
 * (https://docs.rapid7.com/insight/api-overview/).
 */
export const RAPID7_REGIONS = ['us', 'us2', 'us3', 'eu', 'ca', 'au', 'ap'] as const;
export type Rapid7Region = (typeof RAPID7_REGIONS)[number];

/** A log token is a UUID (https://docs.rapid7.com/insightops/token-tcp). */
export const TOKEN_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Token TCP over TLS: `<region>.data.logs.insight.rapid7.com`, port 443 (ports 80, 514 and 10000 are plaintext). */
export const TOKEN_TLS_PORT = 443;

export function dataHost(region: Rapid7Region): string {
  return `${region}.data.logs.insight.rapid7.com`;
}

export function webhookBase(region: Rapid7Region): string {
  return `https://${region}.webhook.logs.insight.rapid7.com`;
}

/**
 * The Log Search HTTP ingestion URL: `<base>/v1/noformat/<token>` (answers 204). `endpoint` replaces the base
 * (scheme, host, port and an optional path prefix) for tests and proxies; the path suffix stays.
 */
export function webhookUrl(base: string, token: string): URL {
  const url = new URL(base);
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}/v1/noformat/${token}`;
  url.search = '';
  return url;
}

/** The URL with its token replaced by `<redacted>`, for messages and logs. */
export function redactedUrl(url: URL, token: string): string {
  return url.toString().split(token).join('<redacted>');
}

/** Removes every occurrence of the token from a text (a belt-and-braces pass over error messages). */
export function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('<redacted>') : text;
}

/** Parses `host:port` or `[v6]:port`; returns undefined when malformed. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(value);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return host ? { host, port } : undefined;
}
