// Lenient readers for optional Snyk fields: a wrong type drops the field instead of failing the delivery.
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { truncate } from '../text.js';

// Snyk's webhooks are beta and change without notice (Snyk docs, "About webhooks": beta, payloads may change without notice); informational fields of an
// unexpected type are dropped so that one odd field does not lose a whole delivery. The plain functions serve the
// hand-written issue reader (the hot path: up to thousands of issues per snapshot); the zod forms serve the schema.

/**
 * A non-empty string, else undefined (null, numbers, objects and '' are dropped). Text longer than `limit` is cut
 * to it, marker included (limits.ts): one field can never make a record arbitrarily large.
 */
export function asString(v: unknown, limit: number = LIMITS.textLength): string | undefined {
  return typeof v === 'string' && v !== '' ? truncate(v, limit) : undefined;
}

/** A boolean, else undefined. */
export function asBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

// A decimal number as text: pysnyk types cvssScore as a string.
const NUMERIC = /^\s*-?\d+(\.\d+)?\s*$/;

/** A finite number or a numeric string (pysnyk types cvssScore as a string), else undefined. */
export function asNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** What asNumberIn returns for a number outside its range, so that the record can say it was dropped. */
export const OUT_OF_RANGE = 'out_of_range';

/**
 * A number or numeric string within [min, max] (-0 as 0); OUT_OF_RANGE for a number that is not (NaN, ±Infinity
 * from a literal such as 1e999, 1e300, a 20-digit integer); undefined when there is no number at all (absent, or
 * another type, which is dropped silently like any lenient field).
 */
export function asNumberIn(v: unknown, min: number, max: number): number | typeof OUT_OF_RANGE | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && NUMERIC.test(v) ? Number(v) : undefined;
  if (n === undefined) return undefined;
  if (!(n >= min && n <= max)) return OUT_OF_RANGE;
  return n === 0 ? 0 : n;
}

/** The entries kept of a list, and how many more distinct entries it had. */
export interface ReadList {
  items: string[];
  omitted: number;
}

/**
 * A list of distinct strings; numbers become strings (identifiers.NSP is numeric in 2021 captures); a lone string is
 * a list of one. The first `limit` distinct entries are kept, each cut to the text limit; the distinct entries past
 * them are counted, not kept. One Set makes it linear: 250,000 CVE ids in one issue take a few tens of ms.
 */
export function readList(v: unknown, limit: number = LIMITS.itemsPerList): ReadList {
  if (v === undefined || v === null) return { items: [], omitted: 0 };
  const entries: readonly unknown[] = Array.isArray(v) ? v : [v];
  const seen = new Set<string>();
  const items: string[] = [];
  for (const entry of entries) {
    let text: string;
    if (typeof entry === 'string') {
      if (entry === '') continue;
      text = truncate(entry, LIMITS.textLength);
    } else if (typeof entry === 'number' && Number.isFinite(entry)) {
      text = String(entry);
    } else {
      continue;
    }
    if (seen.has(text)) continue;
    seen.add(text);
    if (items.length < limit) items.push(text);
  }
  return { items, omitted: seen.size - items.length };
}

/** readList without the count, for lists whose cut needs no marker (project attributes). */
export function asStringList(v: unknown): string[] {
  return readList(v).items;
}

/** A plain JSON object, else undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export const optString = z
  .unknown()
  .optional()
  .transform((v) => asString(v));
export const optBoolean = z.unknown().optional().transform(asBoolean);
export const optNumber = z.unknown().optional().transform(asNumber);
export const stringList = z
  .unknown()
  .optional()
  .transform((v) => asStringList(v));
