// Lenient readers for optional Snyk fields: a wrong type drops the field instead of failing the delivery.
import { z } from 'zod';

// Snyk's webhooks are beta and change without notice (Snyk docs, "About webhooks": beta, payloads may change without notice); informational fields of an
// unexpected type are dropped so that one odd field does not lose a whole delivery. The plain functions serve the
// hand-written issue reader (the hot path: up to thousands of issues per snapshot); the zod forms serve the schema.

/** A non-empty string, else undefined (null, numbers, objects and '' are dropped). */
export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A boolean, else undefined. */
export function asBoolean(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A finite number or a numeric string (pysnyk types cvssScore as a string), else undefined. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return undefined;
}

/** A list of strings; numbers become strings (identifiers.NSP is numeric in 2021 captures); a lone string is a list of one. */
export function asStringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const items: readonly unknown[] = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (item !== '' && !out.includes(item)) out.push(item);
    } else if (typeof item === 'number' && Number.isFinite(item)) {
      const s = String(item);
      if (!out.includes(s)) out.push(s);
    }
  }
  return out;
}

/** A plain JSON object, else undefined. */
export function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

export const optString = z.unknown().optional().transform(asString);
export const optBoolean = z.unknown().optional().transform(asBoolean);
export const optNumber = z.unknown().optional().transform(asNumber);
export const stringList = z.unknown().optional().transform(asStringList);
