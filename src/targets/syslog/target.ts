// The syslog target: encodes each record as an RFC 5424 or RFC 3164 message and sends it over UDP, TCP or TLS.
import { hostname as osHostname } from 'node:os';
import { buildTlsOptions } from '../../net/tls.js';
import type { EncodedRecord, RecordBatch } from '../../record-batch.js';
import { FACILITIES } from '../shared/stream-config.js';
import { StreamConnection } from '../shared/stream-connection.js';
import type { SendContext, Target, TargetDeps } from '../types.js';
import { oversizeError } from './classify.js';
import { SYSLOG_DEFAULTS, udpMaxMessageBytes, type SyslogTargetConfig } from './config.js';
import { DatagramSender, type DatagramSenderOptions } from './datagram-sender.js';
import {
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

/**
 * What a syslog sender needs, already validated: a syslog target's configuration, or the settings another target
 * type has for a syslog peer (Rapid7's collector transport), whose header fields left out take SYSLOG_DEFAULTS.
 */
export type SyslogOptions = Pick<
  SyslogTargetConfig,
  'name' | 'host' | 'port' | 'protocol' | 'framing' | 'rfc' | 'tls' | 'hostname' | 'timeoutMs' | 'settleMs'
> &
  Partial<
    Pick<SyslogTargetConfig, 'facility' | 'appName' | 'structuredDataId' | 'maxMessageBytes' | 'udpOversize'>
  >;

/** Encodes one record as a complete syslog message (no framing). */
export type MessageEncoder = (record: EncodedRecord) => string;

/** The header fields of a sender: HOSTNAME (`hostname`, else this host's name), APP-NAME, PROCID and the SD-ID. */
export function headerFields(
  options: Pick<SyslogOptions, 'rfc' | 'hostname' | 'facility' | 'appName' | 'structuredDataId'>,
  procId: string = String(process.pid),
): HeaderFields {
  const facility = options.facility ?? SYSLOG_DEFAULTS.facility;
  const appName = options.appName ?? SYSLOG_DEFAULTS.appName;
  const sdId = options.structuredDataId ?? SYSLOG_DEFAULTS.structuredDataId;
  const host = options.hostname ?? osHostname();
  return {
    facility: typeof facility === 'number' ? facility : FACILITIES[facility],
    hostname: options.rfc === 3164 ? sanitizeHostname3164(host) : sanitizeHostname5424(host),
    appName: options.rfc === 3164 ? sanitizeTag3164(appName) : printUsAscii(appName, 48),
    procId,
    sdId: sdId === false ? undefined : sdId,
  };
}

/** Fixes the header fields once (HOSTNAME, APP-NAME, PROCID) and returns the per-record encoder. */
export function createMessageEncoder(options: SyslogOptions): MessageEncoder {
  const fields = headerFields(options);
  return options.rfc === 3164
    ? (record) => formatRfc3164(record, fields, Date.now())
    : (record) => formatRfc5424(record, fields);
}

/** The port RFC 5425 §4.1 (6514/tcp) or RFC 5426 §3.3 (514/udp) and common practice (514/tcp) assign. */
export function defaultSyslogPort(protocol: SyslogOptions['protocol']): number {
  return protocol === 'tls' ? 6514 : 514;
}

/** Describes the peer for messages and logs: target name, protocol, host and port (never a credential). */
function describe(options: SyslogOptions, port: number): string {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return `syslog target ${options.name} (${options.protocol}://${host}:${port})`;
}

export function buildSyslogTarget(options: SyslogOptions, deps: TargetDeps): Target {
  const port = options.port ?? defaultSyslogPort(options.protocol);
  const peer: DatagramSenderOptions = {
    host: options.host,
    port,
    timeoutMs: options.timeoutMs,
    what: describe(options, port),
    logger: deps.logger,
  };
  const encode = createMessageEncoder(options);
  const sender =
    options.protocol === 'udp' ? udpSender(options, peer, encode) : streamSender(options, peer, encode);
  return { name: options.name, type: 'syslog', send: sender.send, close: sender.close };
}

interface Sender {
  send(batch: RecordBatch, context: SendContext): Promise<void>;
  close(): Promise<void>;
}

function streamSender(options: SyslogOptions, peer: DatagramSenderOptions, encode: MessageEncoder): Sender {
  const framing = options.framing ?? 'octet-counting';
  const connection = new StreamConnection({
    ...peer,
    tls: options.protocol === 'tls' ? buildTlsOptions(options.tls, options.host) : undefined,
    settleMs: options.settleMs,
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
 * UDP size rule (RFC 5426 §3.2): records arrive fitted to maxMessageBytes less the header (budget.ts), so a longer
 * message comes only from a target with fitting off (maxRecordBytes: 0) or from a worker writing a longer HOSTNAME
 * than the one that fitted the record. It is either rejected for good (default; the record goes to the dead-letter
 * queue intact, the others of the batch are sent and checkpointed) or, with udpOversize: truncate, cut at a UTF-8
 * character boundary so the header survives and MSG loses its tail.
 */
function udpSender(options: SyslogOptions, peer: DatagramSenderOptions, encode: MessageEncoder): Sender {
  const maxBytes = udpMaxMessageBytes(options);
  const sender = new DatagramSender(peer);
  return {
    async send(batch, context) {
      if (batch.records.length === 0) return;
      const datagrams: Buffer[] = [];
      const sentIds: string[] = [];
      const oversize: string[] = [];
      for (const record of batch.records) {
        const message = Buffer.from(encode(record), 'utf8');
        if (message.length <= maxBytes) datagrams.push(message);
        else if (options.udpOversize === 'truncate')
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
      throw oversizeError(peer.what, oversize, maxBytes);
    },
    close: () => sender.close(),
  };
}
