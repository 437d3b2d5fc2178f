// Whether a verified body is a JSON object: parsed in full when small, by its outer characters when large.

/**
 * Bodies up to this size are parsed on the receiver's event loop. A larger one (a snapshot of about 25 issues and
 * more) is parsed once, where it is normalised: in a fan-out thread (src/workers/fan-out-pool.ts, the same 64 KiB).
 * Parsing it here as well cost a 10 MiB snapshot about 100 ms of the event loop that answers every other webhook, and
 * about 85 MiB of heap the process kept afterwards (bench/results/bench.md, "one 10 MiB snapshot").
 */
export const PARSE_MAX_BYTES = 64 * 1024;

/** A large body that starts with "{" and ends with "}": its contents are checked where it is normalised. */
export const LARGE_OBJECT = Symbol('large JSON object');

// JSON's insignificant whitespace: space, tab, LF, CR (RFC 8259 §2).
const isWhitespace = (byte: number | undefined) =>
  byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The parsed object of a small body, LARGE_OBJECT for a large body delimited as an object, undefined for anything
 * else (not JSON, or JSON that is not an object: a top-level array, however long, is refused here at any size). A
 * large signed body whose inside is not JSON is accepted and then dead-lettered as `payload_invalid` by the ingest
 * worker, replayable like any other: only a holder of the webhook secret can send one.
 */
export function checkJsonObject(body: Buffer): Record<string, unknown> | typeof LARGE_OBJECT | undefined {
  if (body.length > PARSE_MAX_BYTES) {
    let first = 0;
    while (first < body.length && isWhitespace(body[first])) first += 1;
    let last = body.length - 1;
    while (last > first && isWhitespace(body[last])) last -= 1;
    return body[first] === 0x7b && body[last] === 0x7d && last > first ? LARGE_OBJECT : undefined;
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    // Any failure is the sender's: a syntax error, or a RangeError should an engine's parser recurse on deep nesting
    // (V8's does not: 100,000 levels parse, see the hostile-input table in docs/reliability.md).
    return undefined;
  }
  return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : undefined;
}
