// Pure helpers shared by the HTTP-based targets: a record as JSON text, secret header values, a safe response excerpt.
import type { EncodedRecord } from '../../record-batch.js';

/**
 * The record as a JSON value in text form. json and ecs bodies already are one JSON document (normalizers/ guarantee
 * it, with no CR/LF), so they are embedded verbatim rather than re-serialised; cef and leef bodies are text lines and
 * become JSON strings.
 */
export function recordAsJson(record: EncodedRecord): string {
  return record.format === 'json' || record.format === 'ecs' ? record.body : JSON.stringify(record.body);
}

/** Values of headers that carry credentials (Authorization, *token*, *key*, *secret*, *auth*, cookies). */
export function secretHeaderValues(headers: Readonly<Record<string, string>>): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (/auth|token|key|secret|cookie|password/i.test(name)) {
      values.push(value);
      // "Bearer abc" / "Splunk abc": the credential alone may be echoed too.
      const credential = value.split(' ').slice(1).join(' ');
      if (credential) values.push(credential);
    }
  }
  return values;
}

/**
 * A short printable excerpt of a response body for error messages: control characters removed, 200 chars max, and
 * any configured secret (token, API key, header value) replaced, in case a proxy echoes the request back.
 */
export function responseExcerpt(
  body: string,
  secrets: readonly string[] = [],
  max = 200,
): string | undefined {
  let text = '';
  for (const ch of body.slice(0, max * 2)) {
    const code = ch.codePointAt(0) ?? 0;
    text += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  for (const secret of secrets) {
    if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  }
  text = text.trim();
  if (text === '') return undefined;
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
