// Pure helpers for request bodies shared by the HTTP-based targets: a record as JSON text, and a safe response excerpt.
import type { EncodedRecord } from '../types.js';

/**
 * The record as a JSON value in text form. json and ecs bodies already are one JSON document (normalizers/ guarantee
 * it, with no CR/LF), so they are embedded verbatim rather than re-serialised; cef and leef bodies are text lines and
 * become JSON strings.
 */
export function recordAsJson(record: EncodedRecord): string {
  return record.format === 'json' || record.format === 'ecs' ? record.body : JSON.stringify(record.body);
}

/** A short printable excerpt of a response body for error messages (control characters removed, 200 chars max). */
export function responseExcerpt(body: string, max = 200): string | undefined {
  let text = '';
  for (const ch of body.slice(0, max * 2)) {
    const code = ch.codePointAt(0) ?? 0;
    text += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  text = text.trim();
  if (text === '') return undefined;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
