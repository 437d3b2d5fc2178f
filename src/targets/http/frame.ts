// Pure request-body builders of the HTTP target: NDJSON (one JSON value per line) or one JSON array per request.
import type { EncodedRecord } from '../../record-batch.js';
import { recordAsJson } from '../shared/http-body.js';

export type HttpEncoding = 'ndjson' | 'json-array';

/** The record's share of a request body: an NDJSON line (with its LF), or an array element. */
export function frameHttpPiece(record: EncodedRecord, encoding: HttpEncoding): string {
  return encoding === 'ndjson' ? `${recordAsJson(record)}\n` : recordAsJson(record);
}

/** Bytes a piece adds to the body (the comma for array elements included). */
export function httpPieceBytes(piece: string, encoding: HttpEncoding): number {
  return Buffer.byteLength(piece, 'utf8') + (encoding === 'json-array' ? 1 : 0);
}

/** Joins pieces into a body: NDJSON ends with LF (application/x-ndjson); a JSON array is `[a,b]`. */
export function joinHttpPieces(pieces: readonly string[], encoding: HttpEncoding): string {
  return encoding === 'ndjson' ? pieces.join('') : `[${pieces.join(',')}]`;
}

export function frameHttpBody(records: readonly EncodedRecord[], encoding: HttpEncoding): string {
  return joinHttpPieces(
    records.map((record) => frameHttpPiece(record, encoding)),
    encoding,
  );
}

export function contentTypeFor(encoding: HttpEncoding): string {
  return encoding === 'ndjson' ? 'application/x-ndjson' : 'application/json';
}
