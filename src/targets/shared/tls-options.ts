// Turns a target's `tls` block into Node TLS options: files read once at build time, TLS 1.2 minimum, verification on.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { rootCertificates } from 'node:tls';
import type { TlsConfig } from '../common-config.js';

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`cannot read TLS ${what} file ${path} (${code})`);
  }
}

/**
 * Builds the options for `tls.connect` or an `https.Agent`. A custom CA is added to Node's bundled roots rather than
 * replacing them, so a public collector keeps working when a private CA is configured for another hop.
 */
export function buildTlsOptions(tls: TlsConfig | undefined, host: string): ConnectionOptions {
  const options: ConnectionOptions = {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    servername: tls?.servername ?? (isIpAddress(host) ? undefined : host),
  };
  if (tls?.ca) options.ca = [...rootCertificates, readPem(tls.ca, 'ca')];
  if (tls?.cert) options.cert = readPem(tls.cert, 'cert');
  if (tls?.key) options.key = readPem(tls.key, 'key');
  return options;
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
