// The syslog target: encodes each record as an RFC 5424 or RFC 3164 message and sends it over UDP, TCP or TLS.
import { hostname as osHostname } from 'node:os';
import { permanent } from '../../errors.js';
import type { TargetDeps } from '../types.js';
import { buildTlsOptions } from '../../net/tls.js';
import type { RecordBatch, EncodedRecord } from '../../record-batch.js';
import type { SendContext, Target } from '../types.js';
import type { SyslogTargetConfig } from './config.js';
import { StreamConnection } from './connection.js';
import {
  FACILITIES,
  formatRfc3164,
  formatRfc5424,
  frameLf,
  frameOctetCounted,
  printUsAscii,
  sanitizeHostname3164,
  sanitizeHostname5424,
  sanitizeTag3164,
  truncateUtf8,
  type HeaderFields,
} from './frame.js';
import { DatagramSender } from './udp.js';

/** Encodes one record as a complete syslog message (no framing). */
export type MessageEncoder = (record: EncodedRecord) => string;

/** Fixes the header fields once (HOSTNAME, APP-NAME, PROCID) and returns the per-record encoder. */
export function createMessageEncoder(config: SyslogTargetConfig): MessageEncoder {
  const facility = typeof config.facility === 'number' ? config.facility : FACILITIES[config.facility];
  const host = config.hostname ?? osHostname();
  const fields: HeaderFields = {
    facility,
    hostname: config.rfc === 3164 ? sanitizeHostname3164(host) : sanitizeHostname5424(host),
    appName: config.rfc === 3164 ? sanitizeTag3164(config.appName) : printUsAscii(config.appName, 48),
    procId: String(process.pid),
    sdId: config.structuredDataId === false ? undefined : config.structuredDataId,
  };
  return config.rfc === 3164
    ? (record) => formatRfc3164(record, fields, Date.now())
    : (record) => formatRfc5424(record, fields);
}

/** The port RFC 5425 §4.1 (6514/tcp) or RFC 5426 §3.3 (514/udp) and common practice (514/tcp) assign. */
export function defaultSyslogPort(protocol: SyslogTargetConfig['protocol']): number {
  return protocol === 'tls' ? 6514 : 514;
}

/** Describes the peer for messages and logs: target name, protocol, host and port (never a credential). */
function describe(config: SyslogTargetConfig, port: number): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `syslog target ${config.name} (${config.protocol}://${host}:${port})`;
}

export function buildSyslogTarget(config: SyslogTargetConfig, deps: TargetDeps): Target {
  const port = config.port ?? defaultSyslogPort(config.protocol);
  const what = describe(config, port);
  const encode = createMessageEncoder(config);
  const send =
    config.protocol === 'udp'
      ? udpSender(config, port, what, encode, deps)
      : streamSender(config, port, what, encode, deps);
  return { name: config.name, type: 'syslog', send: send.send, close: send.close };
}

interface Sender {
  send(batch: RecordBatch, context: SendContext): Promise<void>;
  close(): Promise<void>;
}

function streamSender(
  config: SyslogTargetConfig,
  port: number,
  what: string,
  encode: MessageEncoder,
  deps: TargetDeps,
): Sender {
  const tls = config.protocol === 'tls' ? buildTlsOptions(config.tls, config.host) : undefined;
  if (tls && tls.rejectUnauthorized === false) {
    deps.logger.warn(`${what}: TLS certificate verification is OFF (tls.rejectUnauthorized: false)`);
  }
  const framing = config.framing ?? 'octet-counting';
  const connection = new StreamConnection({
    host: config.host,
    port,
    tls,
    timeoutMs: config.timeoutMs,
    settleMs: config.settleMs,
    what,
    logger: deps.logger,
  });
  return {
    async send(batch, context) {
      if (batch.records.length === 0) return;
      const frames = batch.records.map((record) =>
        framing === 'lf' ? frameLf(encode(record)) : frameOctetCounted(encode(record)),
      );
      // One write per batch: frames of concurrent jobs cannot interleave, and one callback covers the batch.
      await connection.write(Buffer.concat(frames), context.signal);
    },
    close: () => connection.close(),
  };
}

/**
 * UDP size rule (RFC 5426 §3.2): a message longer than maxMessageBytes is either rejected for good (default; the
 * record goes to the dead-letter queue intact, the others of the batch are sent and checkpointed) or, with
 * udpOversize: truncate, cut at a UTF-8 character boundary so the header survives and MSG loses its tail.
 */
function udpSender(
  config: SyslogTargetConfig,
  port: number,
  what: string,
  encode: MessageEncoder,
  deps: TargetDeps,
): Sender {
  const maxBytes = config.maxMessageBytes ?? (config.rfc === 3164 ? 1024 : 2048);
  const sender = new DatagramSender({
    host: config.host,
    port,
    timeoutMs: config.timeoutMs,
    what,
    logger: deps.logger,
  });
  return {
    async send(batch, context) {
      if (batch.records.length === 0) return;
      const datagrams: Buffer[] = [];
      const sentIds: string[] = [];
      const oversize: string[] = [];
      for (const record of batch.records) {
        const message = Buffer.from(encode(record), 'utf8');
        if (message.length <= maxBytes) datagrams.push(message);
        else if (config.udpOversize === 'truncate')
          datagrams.push(truncateUtf8(message.toString('utf8'), maxBytes));
        else {
          oversize.push(`${record.id} (${message.length} bytes)`);
          continue;
        }
        sentIds.push(record.id);
      }
      await sender.send(datagrams, context.signal);
      if (oversize.length === 0) return;
      await context.checkpoint(sentIds);
      throw permanent(
        'record_rejected',
        `${what}: ${oversize.length} record(s) exceed maxMessageBytes ${maxBytes} for UDP: ${oversize.slice(0, 10).join(', ')}` +
          ' (use tcp or tls, raise maxMessageBytes, or set udpOversize: truncate)',
      );
    },
    close: () => sender.close(),
  };
}
