// Pure request-body builders of the Elasticsearch target: _bulk NDJSON with one `create` action per record.
import type { EncodedRecord } from '../../record-batch.js';
import { recordAsJson } from '../shared/http-body.js';

/**
 * One action/source pair. `create` with the record id as `_id` makes a resend idempotent (a 409 means the document
 * is already stored) and is the only operation data streams accept (Elasticsearch bulk API reference).
 */
export function frameBulkPair(record: EncodedRecord, index: string): string {
  return `${JSON.stringify({ create: { _index: index, _id: record.id } })}\n${recordAsJson(record)}\n`;
}

/** The _bulk body: pairs of lines, ending with LF as the API requires. */
export function joinBulkPairs(pieces: readonly string[]): string {
  return pieces.join('');
}

export function frameBulkBody(records: readonly EncodedRecord[], index: string): string {
  return joinBulkPairs(records.map((record) => frameBulkPair(record, index)));
}

/** Shrinks the response to what classification reads (Elasticsearch common option `filter_path`). */
export const BULK_FILTER_PATH = 'errors,items.*._id,items.*.status,items.*.error.type,items.*.error.reason';
