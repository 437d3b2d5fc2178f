// Configuration of the syslog target: RFC 5424 or RFC 3164 records over UDP, TCP or TLS, written on node:net/tls/dgram.
import { z } from 'zod';
import { tlsSchema } from '../../net/tls.js';
import { commonTargetFields, OUTPUT_FORMATS } from '../common-config.js';
import { FACILITY_NAMES, streamFields } from '../shared/stream-config.js';
import { isSdName } from './frame.js';

/** Largest UDP payload over IPv4 (65535 − 8 UDP − 20 IP header octets). */
export const MAX_UDP_PAYLOAD = 65_507;

/** Header fields a syslog peer gets when nothing else is configured (also for Rapid7's collector transport). */
export const SYSLOG_DEFAULTS = {
  appName: 'snyk-siem-forwarder',
  facility: 'local0',
  structuredDataId: 'forwarder@32473',
} as const;

export const syslogTargetSchema = z
  .strictObject({
    ...commonTargetFields,
    /**
     * Sends share one connection and each waits `settleMs` after its write, so a target reaches about
     * concurrency / settleMs target jobs per second. 2,000 5-issue deliveries end to end to syslog-ng (npm run
     * bench:e2e, docs/targets/syslog.md#delivery-guarantee-and-receiver-restarts): TCP 1,154-1,186 findings/s at 16,
     * 1,652 at 32, 1,552 at 64; TLS 1,138 at 16, 1,943 at 32, 1,614 at 64.
     */
    concurrency: z.number().int().min(1).max(256).default(32),
    type: z.literal('syslog'),
    format: z.enum(OUTPUT_FORMATS).default('cef'),
    host: z.string().min(1, 'host is the collector name or IP address, e.g. siem.example.com'),
    /** Default 6514 for tls (RFC 5425 §4.1), 514 for tcp and udp. */
    port: z.number().int().min(1, 'port is 1-65535').max(65535, 'port is 1-65535').optional(),
    /** tls is the default: RFC 5424 §5.1 recommends it, and records describe vulnerabilities. */
    protocol: z.enum(['udp', 'tcp', 'tls']).default('tls'),
    /** TCP and TLS only. Default octet-counting (RFC 6587 §3.4.1, RFC 5425 §4.3); lf for receivers that need it. */
    framing: z.enum(['octet-counting', 'lf']).optional(),
    rfc: z
      .union([z.literal(5424), z.literal(3164)], { error: 'rfc is 5424 (IETF syslog) or 3164 (BSD syslog)' })
      .default(5424),
    /** APP-NAME (RFC 5424, at most 48 printable ASCII characters) or TAG (RFC 3164). */
    appName: z
      .string()
      .regex(/^[\x21-\x7e]{1,48}$/, 'appName is 1-48 printable ASCII characters without spaces')
      .default(SYSLOG_DEFAULTS.appName),
    /** Facility name (local0 … local7, user, daemon, …) or code 0-23. */
    facility: z
      .union([z.enum(FACILITY_NAMES), z.number().int().min(0).max(23)], {
        error: `facility is a code 0-23 or one of ${FACILITY_NAMES.join(', ')}`,
      })
      .default(SYSLOG_DEFAULTS.facility),
    /** HOSTNAME override; default os.hostname(), read once when the target is built. */
    hostname: z.string().min(1).optional(),
    /**
     * SD-ID of the element that carries the record id (`[forwarder@32473 id="…"]`), or false for "-". 32473 is the
     * documentation enterprise number (RFC 5612); put your organisation's own PEN here if you have one.
     */
    structuredDataId: z
      .union([
        z
          .string()
          .refine(
            isSdName,
            'structuredDataId is 1-32 printable ASCII characters without "=", space, "]" or \'"\'',
          ),
        z.literal(false),
      ])
      .default(SYSLOG_DEFAULTS.structuredDataId),
    tls: tlsSchema.optional(),
    /** UDP only: largest datagram (RFC 5426 §3.2: 2048 SHOULD be accepted). Default 2048, or 1024 with rfc 3164. */
    maxMessageBytes: z.number().int().min(480).max(MAX_UDP_PAYLOAD).optional(),
    /**
     * UDP only: what to do with a message still over maxMessageBytes (records are fitted to it first, see
     * maxRecordBytes). reject (default) dead-letters it; truncate cuts the MSG.
     */
    udpOversize: z.enum(['reject', 'truncate']).default('reject'),
    ...streamFields,
  })
  .superRefine((config, ctx) => {
    if (config.protocol === 'udp' && config.framing !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['framing'],
        message: 'framing applies to tcp and tls; a UDP datagram is one message',
      });
    }
    if (config.protocol !== 'tls' && config.tls !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'tls options need protocol: tls (there is no plaintext fallback)',
      });
    }
    if (config.protocol !== 'udp' && config.maxMessageBytes !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxMessageBytes'],
        message: 'maxMessageBytes applies to protocol: udp only',
      });
    }
  });
export type SyslogTargetConfig = z.infer<typeof syslogTargetSchema>;

/** The largest UDP message: maxMessageBytes, else 2048 (RFC 5426 §3.2), or 1024 for RFC 3164 (§4.1). */
export function udpMaxMessageBytes(options: {
  maxMessageBytes?: number | undefined;
  rfc: 5424 | 3164;
}): number {
  return options.maxMessageBytes ?? (options.rfc === 3164 ? 1024 : 2048);
}
