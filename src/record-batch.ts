// The record contract between workers, queues and targets: one encoded record, and the batch a target job carries.
import type { OutputFormat, RecordFacets, Severity } from '../normalizers/index.js';

export type { OutputFormat, Severity };

/** One record, already encoded in its target's format, as stored in a target job. */
export interface EncodedRecord {
  /** Deterministic record id (normalizers/): the same issue and action in the same delivery keep it. */
  id: string;
  /** When the event happened, ISO 8601 (Snyk's timestamp, else the time the receiver accepted it). */
  time: string;
  /** Record kind: a finding, a snapshot summary, or a generic event. */
  kind: 'finding' | 'summary' | 'generic';
  severity: Severity | undefined;
  format: OutputFormat;
  /** The encoded record: one CEF/LEEF line, or one JSON document as text. Never contains CR, LF or NUL. */
  body: string;
}

/** What one target job carries to one target: the records of one Snyk delivery that passed its filter. */
export interface RecordBatch {
  /** The ingest job id (derived from the SHA-256 of the signed body). */
  deliveryId: string;
  transportId: string;
  records: EncodedRecord[];
}

/** The stored form of a record: its facets, the format it was encoded in, and the encoded text. */
export function encodedRecord(facets: RecordFacets, format: OutputFormat, body: string): EncodedRecord {
  return {
    id: facets.recordId,
    time: facets.time,
    kind: facets.kind,
    severity: facets.severity,
    format,
    body,
  };
}
