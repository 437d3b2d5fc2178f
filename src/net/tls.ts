// The `tls` block of Redis and of every network target: its schema, and the Node TLS options built from it.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';

/** TLS options shared by Redis, syslog and every HTTP-based target (files are read at start). */
export const tlsSchema = z.strictObject({
  /** PEM file of the CA that signed the peer's certificate (in addition to the system store). */
  ca: z.string().min(1).optional(),
  /** PEM client certificate and key, for mutual TLS. */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** Name to verify the certificate against (SNI), when it differs from the host. */
  servername: z.string().min(1).optional(),
  /** Certificate verification; turning it off is logged as a warning at every start. */
  rejectUnauthorized: z.boolean().default(true),
});
export type TlsConfig = z.infer<typeof tlsSchema>;

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
