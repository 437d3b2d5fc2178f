// Parses untrusted ISO 8601 timestamps (Snyk sends seconds, ms or µs precision) into canonical UTC ISO strings.

// Date-time with a zone, as Snyk sends it: 2020-09-25T15:27:53Z, ...53.014Z, ...53.471739Z, or an offset.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Returns the instant as `YYYY-MM-DDTHH:mm:ss.sssZ`, or undefined when the text is not a valid ISO 8601 date-time
 * with a zone. Fractions beyond milliseconds are cut (not rounded) so the result never moves to the next second.
 */
export function canonicalTime(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, y = '', mo = '', d = '', h = '', mi = '', sec = '00', fraction = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (zone === 'Z') {
    // UTC, Snyk's only form in practice: the canonical text is built directly, no Date needed.
    const millis = (fraction + '000').slice(0, 3);
    return `${y}-${mo}-${d}T${h}:${mi}:${sec}.${millis}Z`;
  }
  const ms = fraction === '' ? 0 : Number((fraction + '00').slice(0, 3));
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const zh = Number(digits.slice(1, 3));
    const zm = Number(digits.slice(3, 5));
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year);
  const epoch = date.getTime() - offsetMinutes * 60_000;
  const iso = new Date(epoch).toISOString();
  // toISOString uses an expanded ±YYYYYY year outside 0000-9999; keep only plain four-digit years.
  return iso.length === 24 ? iso : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// canonicalTime's own form: four-digit year, milliseconds, Z.
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

/**
 * Milliseconds since the epoch of a canonical time (CEF `rt` and custom dates, spec Appendix A "Date Formats"); NaN
 * for other text. Read by parts rather than by the Date parser, which cost as much as the rest of a CEF record's
 * times together; years 0-99 go through setUTCFullYear, as Date.UTC would read them as 1900-1999.
 */
export function epochMillis(canonical: string): number {
  const m = CANONICAL.exec(canonical);
  if (m === null) return new Date(canonical).getTime();
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
  const year = y ?? 0;
  const utc = Date.UTC(year, (mo ?? 1) - 1, d, h, mi, s, ms);
  if (year >= 100) return utc;
  const date = new Date(utc);
  date.setUTCFullYear(year);
  return date.getTime();
}
