// The record budget of a syslog sender: how many bytes of MSG one message may carry (docs/targets/syslog.md#fit-to-size).
import { udpMaxMessageBytes, type SyslogTargetConfig } from './config.js';
import { longestHeaderBytes } from './frame.js';
import { headerFields } from './target.js';

/** PROCID is the process id: a pid_t, at most 2^31 − 1 on Linux, so no longer than this. */
const LONGEST_PROCID = String(2 ** 31 - 1);

export type SyslogBudgetOptions = Pick<
  SyslogTargetConfig,
  'protocol' | 'rfc' | 'hostname' | 'facility' | 'appName' | 'structuredDataId'
> &
  Partial<Pick<SyslogTargetConfig, 'maxMessageBytes' | 'maxRecordBytes'>>;

/**
 * UTF-8 bytes a record may take, or undefined for no limit. Over UDP a datagram holds one whole message (RFC 5426
 * §3.1), so the record gets maxMessageBytes less the longest header this sender writes (HOSTNAME as the target will
 * write it, the longest PROCID, record id and PRI), or maxRecordBytes when that is smaller; over TCP and TLS there is
 * no limit unless maxRecordBytes sets one. maxRecordBytes: 0 turns fitting off.
 */
export function syslogRecordBudget(options: SyslogBudgetOptions): number | undefined {
  const explicit = options.maxRecordBytes;
  if (explicit === 0) return undefined;
  if (options.protocol !== 'udp') return explicit;
  const room =
    udpMaxMessageBytes(options) - longestHeaderBytes(headerFields(options, LONGEST_PROCID), options.rfc);
  return explicit === undefined ? room : Math.min(explicit, room);
}
