// Configuration of the generic HTTP target: POST batches of records as NDJSON or a JSON array to any collector.
import { z } from 'zod';
import { tlsSchema } from '../../net/tls.js';
import { commonTargetFields, OUTPUT_FORMATS } from '../common-config.js';
import {
  batchSchema,
  checkTlsMatchesUrl,
  httpUrlSchema,
  retryOnSchema,
  timeoutMsSchema,
} from '../shared/http-config.js';

/** Headers the transport sets itself; configuring them would corrupt the framing. */
const RESERVED_HEADERS = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'host',
  'connection',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 §5.1 token

const headersSchema = z.record(z.string(), z.string()).superRefine((headers, ctx) => {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name))
      ctx.addIssue({ code: 'custom', message: `"${name}" is not a valid header name` });
    else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        message: `header "${name}" is set by the transport and cannot be configured`,
      });
    }
    if (/[\r\n\0]/.test(value))
      ctx.addIssue({ code: 'custom', message: `header "${name}" contains CR, LF or NUL` });
  }
});

export const httpTargetSchema = z
  .strictObject({
    ...commonTargetFields,
    type: z.literal('http'),
    format: z.enum(OUTPUT_FORMATS).default('json'),
    /** Where records are sent, e.g. https://collector.example/ingest. */
    url: httpUrlSchema('url'),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    /** Extra request headers, e.g. Authorization (values are never logged). */
    headers: headersSchema.default({}),
    /** ndjson: one JSON value per line; json-array: one JSON array per request. */
    encoding: z.enum(['ndjson', 'json-array']).default('ndjson'),
    gzip: z.boolean().default(false),
    timeoutMs: timeoutMsSchema,
    /** Statuses a retry can fix; default [408, 429, 5xx except 501]. */
    retryOn: retryOnSchema.optional(),
    batch: batchSchema({ maxEvents: 500, maxBytes: 1_048_576, maxWaitMs: 0 }),
    tls: tlsSchema.optional(),
  })
  .superRefine(checkTlsMatchesUrl);
export type HttpTargetConfig = z.infer<typeof httpTargetSchema>;
