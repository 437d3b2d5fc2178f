// Fit to size: cuts a record's advisory, then drops its supplementary lists, then cuts its title, until it fits a byte budget.
import { truncate, TRUNCATION_MARKER } from './text.js';
import type { Finding, NormalizedRecord } from './types.js';

// Receivers limit a record's size in bytes: a UDP syslog datagram (RFC 5426 §3.2: 2048 octets SHOULD be accepted),
// Splunk's TRUNCATE (10,000 bytes by default, props.conf), a SIEM's line limit. A finding's advisory is 4.5-5.5 KB of
// Markdown, so a record over such a limit loses text rather than the record: only free text and supplementary detail
// give way, in the order below, text cut at a character boundary with the truncation marker and lists dropped whole;
// ids, severity, CVE/CWE ids, package, versions, fixes (fixedIn, upgrade path), project, org and times are never
// touched. The record names what gave way in `truncatedFields`.

/** A line within the budget (`shrunk` when text was cut), or the full line of a record that cannot fit. */
export type Fitted =
  | { tooLarge?: undefined; line: string; shrunk: boolean }
  | {
      tooLarge: true;
      /** The record encoded in full, as it would be without a budget. */
      line: string;
      bytes: number;
      /** The size with every free-text field emptied: the smallest budget the record fits. */
      minimalBytes: number;
    };

interface GivesWay {
  /** Its name in the JSON format, which `truncatedFields` lists. */
  name: string;
  /** Text is cut to the longest prefix that fits; a list is dropped whole (half of one would mislead). */
  read(record: Finding): string | readonly unknown[] | undefined;
  /** The record with this field set; undefined removes it (an empty title for the title, which is required). */
  write(record: Finding, value: string | undefined): Finding;
}

/** Removes one of the issue's optional lists. */
function drop(key: 'severities' | 'exploitMaturityLevels' | 'exploitSources' | 'remediation') {
  return (record: Finding): Finding => ({ ...record, issue: { ...record.issue, [key]: undefined } });
}

/**
 * What gives way, in order: the advisory (several KB of Markdown); then what restates the severity, exploit and fix
 * already in the record (the other assigners' severities, exploit levels and sources, Snyk's remediation sentences,
 * whose fixed-in versions and upgrade path stay); the title last, as an analyst reads it first.
 */
const GIVES_WAY: readonly GivesWay[] = [
  {
    name: 'description',
    read: (r) => r.issue.description,
    write: (r, value) => ({ ...r, issue: { ...r.issue, description: value } }),
  },
  { name: 'severities', read: (r) => r.issue.severities, write: drop('severities') },
  {
    name: 'exploit_maturity_levels',
    read: (r) => r.issue.exploitMaturityLevels,
    write: drop('exploitMaturityLevels'),
  },
  {
    name: 'exploit_sources',
    read: (r) => r.issue.exploitSources,
    write: drop('exploitSources'),
  },
  { name: 'remediation', read: (r) => r.issue.remediation, write: drop('remediation') },
  {
    name: 'issue_title',
    read: (r) => r.issue.title,
    write: (record, value) => ({ ...record, issue: { ...record.issue, title: value ?? '' } }),
  },
];

/** Probes of one field's cut length: interpolation and bisection alternate, so even a 64 Ki advisory needs ~34. */
const MAX_PROBES = 64;

function byteLength(line: string): number {
  return Buffer.byteLength(line, 'utf8');
}

/**
 * Encodes `record` with `encode` and, when the line is over `maxBytes` UTF-8 bytes, cuts free text until it fits:
 * each field in turn keeps the longest prefix that fits (measured on the encoded line, so escaping is counted), or is
 * emptied and the next one is cut. Refuses only when the record with every such field emptied is still too large.
 */
export function fitRecord(
  record: NormalizedRecord,
  encode: (record: NormalizedRecord) => string,
  maxBytes: number,
): Fitted {
  const line = encode(record);
  const bytes = byteLength(line);
  if (bytes <= maxBytes) return { line, shrunk: false };
  if (record.kind !== 'finding') return { tooLarge: true, line, bytes, minimalBytes: bytes };

  let current: Finding = record;
  let currentBytes = bytes;
  const truncated: string[] = [];
  const marked = (candidate: Finding): Finding => ({ ...candidate, truncatedFields: [...truncated] });
  for (const field of GIVES_WAY) {
    const value = field.read(current);
    if (value === undefined || value.length === 0) continue;
    const without = field.write(current, undefined);
    const withoutBytes = byteLength(encode(without));
    // A format that does not carry the field (LEEF leaves the advisory out) gains nothing from cutting it.
    if (withoutBytes >= currentBytes) continue;
    truncated.push(field.name);
    const emptied = encode(marked(without));
    const emptiedBytes = byteLength(emptied);
    if (emptiedBytes > maxBytes) {
      current = without;
      currentBytes = withoutBytes;
      continue;
    }
    if (typeof value !== 'string') return { line: emptied, shrunk: true };
    const cut = longestFit(value, (text) => encode(marked(field.write(current, text))), maxBytes, {
      line: emptied,
      bytes: emptiedBytes,
      overBytes: currentBytes + (emptiedBytes - withoutBytes),
    });
    return { line: cut, shrunk: true };
  }
  const minimalBytes = byteLength(encode(marked(current)));
  return { tooLarge: true, line, bytes, minimalBytes };
}

/**
 * The longest cut of `value` (a prefix plus the marker, `truncate` in text.ts) whose line fits `maxBytes`, or the line
 * of the emptied field when no cut fits. A line only grows with the prefix, so the search keeps a fitting bound `lo`
 * (a UTF-16 length; below the marker's length means emptied) and an unfitting bound `hi`, and probes between them by
 * interpolating the byte count, every other probe bisecting so that the number of probes stays logarithmic.
 */
function longestFit(
  value: string,
  lineWith: (text: string) => string,
  maxBytes: number,
  emptied: { line: string; bytes: number; overBytes: number },
): string {
  let lo = TRUNCATION_MARKER.length - 1;
  let loLine = emptied.line;
  let loBytes = emptied.bytes;
  let hi = value.length;
  let hiBytes = Math.max(emptied.overBytes, maxBytes + 1);
  for (let probe = 0; hi - lo > 1 && probe < MAX_PROBES; probe += 1) {
    const guess =
      probe % 2 === 0
        ? lo + Math.floor(((hi - lo) * (maxBytes - loBytes)) / (hiBytes - loBytes))
        : lo + Math.floor((hi - lo) / 2);
    const limit = Math.min(hi - 1, Math.max(lo + 1, guess));
    const line = lineWith(truncate(value, limit));
    const bytes = byteLength(line);
    if (bytes <= maxBytes) {
      lo = limit;
      loLine = line;
      loBytes = bytes;
    } else {
      hi = limit;
      hiBytes = bytes;
    }
  }
  return loLine;
}
