// Configuration of the Rapid7 InsightIDR target: webhook (HTTPS POST), token TCP over TLS, or a collector's syslog listener.
import { z } from 'zod';
import { tlsSchema } from '../../net/tls.js';
import { commonTargetFields, OUTPUT_FORMATS } from '../common-config.js';
import { FACILITY_NAMES, streamFields } from '../shared/stream-config.js';
import { parseHostPort, RAPID7_REGIONS, TOKEN_PATTERN } from './endpoint.js';

export const rapid7TargetSchema = z
  .strictObject({
    ...commonTargetFields,
    type: z.literal('rapid7'),
    /**
     * Log Search turns JSON keys into fields to filter by; CEF and LEEF stay keyword-searchable text
     * (https://www.rapid7.com/blog/post/2022/03/11/run-faster-log-searches-with-insightidr/).
     */
    format: z.enum(OUTPUT_FORMATS).default('json'),
    /**
     * webhook: HTTPS POST per record to https://<region>.webhook.logs.insight.rapid7.com/v1/noformat/<token> (204).
     * token-tls: one TLS connection to <region>.data.logs.insight.rapid7.com:443, each line "<token> <record>".
     * syslog: RFC 5424 over TLS to an InsightIDR collector's listener (custom logs event source), trusting its CA.
     */
    transport: z.enum(['webhook', 'token-tls', 'syslog']).default('webhook'),
    region: z
      .enum(RAPID7_REGIONS, {
        error: `region is one of ${RAPID7_REGIONS.join(', ')} (the first label of your IDR URL)`,
      })
      .optional(),
    /** The log token (a UUID) from Log Search; a secret: it is never logged. Not used by the syslog transport. */
    token: z
      .string()
      .regex(TOKEN_PATTERN, 'token is the log token, a UUID such as 2bfbea1e-10c3-4419-bdad-7e6435882e1f')
      .optional(),
    /**
     * Overrides the address (tests, proxies). webhook: a base https:// URL replacing
     * https://<region>.webhook.logs.insight.rapid7.com (the path /v1/noformat/<token> is appended);
     * token-tls and syslog: host:port. Required for syslog (the collector's address).
     */
    endpoint: z.string().min(1).optional(),
    /** CA (e.g. the collector's Rapid7CA.pem), client certificate and SNI name; verification is always on by default. */
    tls: tlsSchema.optional(),
    /** syslog transport only: message format and framing for the collector. */
    rfc: z.union([z.literal(5424), z.literal(3164)], { error: 'rfc is 5424 or 3164' }).optional(),
    /** syslog transport only. Default lf: the collector's listener splits records on newlines. */
    framing: z.enum(['octet-counting', 'lf']).optional(),
    facility: z.union([z.enum(FACILITY_NAMES), z.number().int().min(0).max(23)]).optional(),
    appName: z
      .string()
      .regex(/^[\x21-\x7e]{1,48}$/, 'appName is 1-48 printable ASCII characters')
      .optional(),
    ...streamFields,
  })
  .superRefine((config, ctx) => {
    const issue = (path: string, message: string): void =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if (config.transport === 'syslog') {
      if (config.endpoint === undefined)
        issue('endpoint', 'the syslog transport needs endpoint: <collector host>:<port>');
      if (config.token !== undefined)
        issue('token', 'the syslog transport does not use a token (the collector routes by port)');
    } else {
      if (config.token === undefined) issue('token', `the ${config.transport} transport needs the log token`);
      if (config.region === undefined && config.endpoint === undefined) {
        issue('region', `the ${config.transport} transport needs region (or endpoint)`);
      }
      for (const key of ['rfc', 'framing', 'facility', 'appName'] as const) {
        if (config[key] !== undefined) issue(key, `${key} applies to transport: syslog only`);
      }
    }
    if (config.endpoint !== undefined) {
      if (config.transport === 'webhook') {
        let url: URL | undefined;
        try {
          url = new URL(config.endpoint);
        } catch {
          url = undefined;
        }
        if (!url || url.protocol !== 'https:' || url.username || url.password || url.search || url.hash) {
          issue(
            'endpoint',
            'for the webhook transport, endpoint is a base https:// URL such as https://proxy.example:8443',
          );
        }
      } else if (!parseHostPort(config.endpoint)) {
        issue(
          'endpoint',
          `for the ${config.transport} transport, endpoint is host:port, e.g. collector.example:6514`,
        );
      }
    }
  });
export type Rapid7TargetConfig = z.infer<typeof rapid7TargetSchema>;
