// LEEF 2.0 encoder for QRadar: `LEEF:2.0|Snyk|<product>|<version>|<event id>|^|key=value^key=value...`.
import { productFor } from '../product.js';
import { severityScore } from '../severity.js';
import { fitted, visibleLine } from '../text.js';
import { PRODUCT_VERSION } from '../version.js';
import type { NormalizedRecord } from '../types.js';
import { eventClassId } from './event-id.js';
import { flatFields } from './flat.js';

// Spec: IBM "LEEF format guide" (LEEF 2.0), "LEEF event components" and "Best practices" (tenzir/skills copy).
// - The header is pipe-delimited; LEEF 2.0 adds the attribute delimiter as the sixth field. The caret `^` is the
//   guide's own example.
// - LEEF defines no escape sequence, neither for the header nor for attributes, and the guide says to keep tab,
//   pipe and caret out of keys and values. So nothing is escaped; instead:
//   * every control character, CR and LF included, becomes a visible Control Picture, and line separators,
//     bidirectional and zero-width characters become U+FFFD (text.ts visibleLine);
//   * the delimiter `^` inside a value becomes U+02C6 `ˆ` (MODIFIER LETTER CIRCUMFLEX ACCENT), its look-alike;
//   * a `|` in a value is left alone: attributes follow the last header pipe, and `=` is split at its first
//     occurrence only, so neither can shift a field;
//   * header fields are constants except the EventID, which is restricted to [A-Za-z0-9._:@/+-] (event-id.ts).

export const LEEF_DELIMITER = '^';
/** What a `^` inside a value becomes. */
export const LEEF_DELIMITER_STANDIN = '\u02c6';
/** EventID is limited to 255 characters ("LEEF event components", Table 2). */
export const LEEF_EVENT_ID_LIMIT = 255;
/**
 * LEEF sets no attribute length limit; this cap bounds one value, not the record, which can still pass QRadar's syslog
 * payload limit (4,096 bytes by default): a target's record budget (fit.ts) bounds the whole line.
 */
export const LEEF_VALUE_LIMIT = 4000;
// devTime is given in this Java SimpleDateFormat pattern (`X` accepts `Z`).
const DEV_TIME_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

/** Flat fields that LEEF leaves out: the advisory text is several KB of markdown; `url` links to it. */
const OMITTED = new Set(['description', 'time', 'severity', 'issue_url']);

export function encodeLeef(record: NormalizedRecord): string {
  const eventId =
    record.kind === 'finding'
      ? eventClassId(record.issue.id, LEEF_EVENT_ID_LIMIT)
      : record.kind === 'summary'
        ? 'snyk-project-snapshot'
        : 'snyk-event';
  const header = [
    'LEEF:2.0',
    'Snyk',
    productFor(record.project?.type),
    PRODUCT_VERSION,
    eventId,
    LEEF_DELIMITER,
    '',
  ].join('|');
  // Predefined keys first (devTime/devTimeFormat, cat, sev, url, resource), then the flat fields in camelCase.
  const attributes: [string, string | undefined][] = [
    ['devTime', record.time],
    ['devTimeFormat', DEV_TIME_FORMAT],
    ['cat', record.action],
    ['sev', String(severityScore(record.severity))],
    ['url', record.kind === 'finding' ? record.issue.url : undefined],
    ['resource', record.project?.name],
  ];
  const flat = flatFields(record);
  for (const key in flat) {
    const value = flat[key];
    if (OMITTED.has(key) || value === undefined) continue;
    attributes.push([
      camelCase(key),
      typeof value === 'object' ? (value.length === 0 ? undefined : value.join(', ')) : String(value),
    ]);
  }
  const parts: string[] = [];
  for (const [key, value] of attributes) {
    if (value === undefined || value === '') continue;
    parts.push(`${key}=${leefValue(value)}`);
  }
  return header + parts.join(LEEF_DELIMITER);
}

export function leefValue(value: string): string {
  return fitted(value, LEEF_VALUE_LIMIT, visibleLine).replaceAll(LEEF_DELIMITER, LEEF_DELIMITER_STANDIN);
}

const camelCache = new Map<string, string>();

function camelCase(key: string): string {
  let out = camelCache.get(key);
  if (out === undefined) {
    out = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelCache.set(key, out);
  }
  return out;
}
