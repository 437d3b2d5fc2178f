// Pure syslog encoding: PRI, RFC 5424 and RFC 3164 headers, STRUCTURED-DATA escaping and RFC 6587 / RFC 5425 framing.
import type { EncodedRecord, Severity } from '../../record-batch.js';
import { singleLine } from '../shared/single-line.js';

/**
 * Record severity → syslog severity (RFC 5424 §6.2.1 table 2). Snyk's four levels take the four codes between
 * crit and notice, so a SIEM rule on "err or worse" catches high and critical; records without a severity
 * (summaries, generic events) are informational.
 */
export const SEVERITY_CODES: Readonly<Record<Severity | 'none', number>> = {
  critical: 2,
  high: 3,
  medium: 4,
  low: 5,
  none: 6,
};

/** RFC 5424 §6.2.1: PRIVAL = facility × 8 + severity. */
export function priValue(facility: number, severity: Severity | undefined): number {
  return facility * 8 + SEVERITY_CODES[severity ?? 'none'];
}

/** Keeps PRINTUSASCII (%d33-126, RFC 5424 §6) and cuts to `max` characters; an empty result becomes NILVALUE "-". */
export function printUsAscii(value: string, max: number): string {
  const kept = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return kept === '' ? '-' : kept;
}

/** RFC 5424 §6.2.4: HOSTNAME is PRINTUSASCII, at most 255 characters. */
export function sanitizeHostname5424(name: string): string {
  return printUsAscii(name, 255);
}

/**
 * RFC 3164 §4.1.2: HOSTNAME carries no domain and no spaces. An IP address is kept whole; a DNS name keeps its
 * first label.
 */
export function sanitizeHostname3164(name: string): string {
  const ascii = printUsAscii(name, 255);
  if (/^[\d.]+$/.test(ascii) || ascii.includes(':')) return ascii;
  return ascii.split('.')[0] || '-';
}

/**
 * RFC 3164 §4.1.3: TAG is at most 32 characters and ends at the first character that is not part of it; "[", "]",
 * ":" and spaces would end it early, so they are dropped. Dashes, dots and underscores are kept, as every common
 * receiver (rsyslog, syslog-ng) accepts them in program names.
 */
export function sanitizeTag3164(name: string): string {
  const kept = name.replace(/[^A-Za-z0-9_.\-/]/g, '').slice(0, 32);
  return kept === '' ? 'snyk' : kept;
}

/**
 * RFC 5424 §6.2.3 TIMESTAMP from the record's ISO 8601 time: upper-case "T" and "Z", millisecond fraction (at most
 * 6 digits allowed), always UTC. An unparseable time or a year outside 0000–9999 is NILVALUE "-".
 */
export function timestamp5424(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '-';
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return '-';
  return date.toISOString();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/**
 * RFC 3164 §4.1.2 TIMESTAMP "Mmm dd hh:mm:ss": no year and no zone; the day is space-padded. The format has no
 * zone, so this writes UTC (see docs/targets/syslog.md); an unparseable time falls back to `fallbackMs`.
 */
export function timestamp3164(iso: string, fallbackMs: number): string {
  const parsed = Date.parse(iso);
  const date = new Date(Number.isNaN(parsed) ? fallbackMs : parsed);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${MONTHS[date.getUTCMonth()] ?? 'Jan'} ${day} ${time}`;
}

/** RFC 5424 §6.3.3: inside PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash. */
export function escapeSdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** RFC 5424 §6.3.2: SD-NAME is 1–32 PRINTUSASCII except '=', SP, ']' and '"'. */
export function isSdName(name: string): boolean {
  return /^[\x21-\x7e]{1,32}$/.test(name) && !/[= \]"]/.test(name);
}

/** Header values fixed when the target is built. */
export interface HeaderFields {
  facility: number;
  /** Already sanitised with sanitizeHostname5424 / sanitizeHostname3164. */
  hostname: string;
  appName: string;
  procId: string;
  /** SD-ID of the element that carries the record id, or undefined for STRUCTURED-DATA "-". */
  sdId: string | undefined;
}

/**
 * RFC 5424 §6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA SP MSG`. MSGID is the record kind;
 * STRUCTURED-DATA is `[sdId id="<record id>"]`. MSG is MSG-ANY without a BOM (§6.4): a BOM in front of CEF, LEEF
 * or JSON breaks parsers that expect the format's first character (rsyslog keeps the BOM in %msg%).
 */
export function formatRfc5424(record: EncodedRecord, fields: HeaderFields): string {
  const pri = priValue(fields.facility, record.severity);
  const sd = fields.sdId === undefined ? '-' : `[${fields.sdId} id="${escapeSdParamValue(record.id)}"]`;
  const header = `<${pri}>1 ${timestamp5424(record.time)} ${fields.hostname} ${fields.appName} ${fields.procId} ${printUsAscii(record.kind, 32)}`;
  return `${header} ${sd} ${singleLine(record.body)}`;
}

/** RFC 3164 §4.1: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: CONTENT`. */
export function formatRfc3164(record: EncodedRecord, fields: HeaderFields, nowMs: number): string {
  const pri = priValue(fields.facility, record.severity);
  const pid = fields.procId === '-' ? '' : `[${fields.procId}]`;
  return `<${pri}>${timestamp3164(record.time, nowMs)} ${fields.hostname} ${fields.appName}${pid}: ${singleLine(record.body)}`;
}

/** RFC 5425 §4.3 / RFC 6587 §3.4.1: SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG, MSG-LEN in octets, no leading zero. */
export function frameOctetCounted(message: string | Buffer): Buffer {
  const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}

/** RFC 6587 §3.4.2: non-transparent framing, SYSLOG-MSG TRAILER with TRAILER = LF. */
export function frameLf(message: string): Buffer {
  return Buffer.from(`${singleLine(message)}\n`, 'utf8');
}

/**
 * Cuts a message to at most `maxBytes` UTF-8 octets without splitting a character (a partial sequence would be
 * invalid UTF-8 at the receiver). Used by the UDP "truncate" rule; the header comes first, so only MSG is cut.
 */
export function truncateUtf8(message: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

/** What a record can make of the header: every kind, the largest PRI (no severity: 6), a 64-character id. */
const LONGEST_HEADER_RECORD: EncodedRecord = {
  id: 'x'.repeat(64),
  time: '2000-01-01T00:00:00.000Z',
  kind: 'finding',
  severity: undefined,
  format: 'json',
  body: '',
};

/**
 * Octets of the longest header (everything before MSG) any record gets with these fields: PRI, VERSION, TIMESTAMP,
 * HOSTNAME, APP-NAME, PROCID, MSGID and STRUCTURED-DATA (RFC 5424 §6), or the RFC 3164 §4.1 header. A record id is
 * at most 64 characters of [A-Za-z0-9_-] (normalizers' RecordFacets), which STRUCTURED-DATA never escapes.
 */
export function longestHeaderBytes(fields: HeaderFields, rfc: 5424 | 3164): number {
  const kinds: EncodedRecord['kind'][] = ['finding', 'summary', 'generic'];
  return Math.max(
    ...kinds.map((kind) => {
      const record = { ...LONGEST_HEADER_RECORD, kind };
      const header = rfc === 3164 ? formatRfc3164(record, fields, 0) : formatRfc5424(record, fields);
      return Buffer.byteLength(header, 'utf8');
    }),
  );
}
