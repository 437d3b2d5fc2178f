// Configuration pieces shared by the HTTP-based targets: URL, batch limits, timeout, retryOn and the TLS check.
import { z } from 'zod';

/** An http(s) URL without credentials; `what` names the field in messages. */
export function httpUrlSchema(what: string) {
  return z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must be an absolute URL such as https://collector.example:8443/path`,
      });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must start with https:// or http:// (got ${url.protocol})`,
      });
    }
    if (url.username || url.password) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} must not carry user:password; use the target's credential fields or an Authorization header`,
      });
    }
    if (url.hash) ctx.addIssue({ code: 'custom', message: `${what} must not have a #fragment` });
  });
}

/** How records of one target job (and, with maxWaitMs, of concurrent jobs) are grouped into requests. */
export function batchSchema(defaults: { maxEvents: number; maxBytes: number; maxWaitMs: number }) {
  return z
    .strictObject({
      /** At most this many records per request. */
      maxEvents: z.number().int().min(1).max(100_000).default(defaults.maxEvents),
      /** At most this many bytes of (uncompressed) body per request; a single larger record is sent alone. */
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1_048_576)
        .default(defaults.maxBytes),
      /** Wait up to this long to merge records of concurrent target jobs into one request; 0 = never merge. */
      maxWaitMs: z.number().int().min(0).max(5_000).default(defaults.maxWaitMs),
    })
    .prefault({});
}

/** Time allowed for one request, connect to last response byte. */
export const timeoutMsSchema = z.number().int().min(100).max(600_000).default(30_000);

/** A `retryOn` list: exact statuses (400–599) or the classes '4xx' / '5xx'. */
export const retryOnSchema = z
  .array(z.union([z.number().int().min(400).max(599), z.enum(['4xx', '5xx'])]))
  .min(1, 'list at least one status, e.g. [408, 429, "5xx"]');

/** Reports a `tls` block on a plain http:// URL, which would otherwise be silently ignored. */
export function checkTlsMatchesUrl(
  config: { url: string; tls?: unknown },
  ctx: { addIssue(issue: { code: 'custom'; message: string; path: string[] }): void },
): void {
  if (config.tls !== undefined && config.url.startsWith('http://')) {
    ctx.addIssue({ code: 'custom', message: 'tls options need an https:// url', path: ['tls'] });
  }
}
