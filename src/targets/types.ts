// The contract every target type implements: take encoded records, put them on the wire, or throw a typed error.
import type { Logger } from 'winston';

/** Output formats produced by normalizers/ encoders. */
export type OutputFormat = 'cef' | 'leef' | 'ecs' | 'json';

/** Severities in Snyk's vocabulary; records without one (generic events) leave it undefined. */
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** One record, already encoded for its target, as stored in a target job. */
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

export interface SendContext {
  /** Aborted on shutdown or timeout; long sends must stop when it fires. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * Records the ids that the peer confirmed, so that a retry of this job never sends them again
   * (Elasticsearch per-item results, HTTP batches already acknowledged).
   */
  checkpoint(deliveredIds: readonly string[]): Promise<void>;
  /**
   * Marks records the peer refused for good (an Elasticsearch mapping error, say). They are not sent again when the
   * job retries the rest, and once the rest is delivered the job is dead-lettered holding exactly these records,
   * each with its reason, so a rejection is never lost behind a later success.
   */
  reject(rejections: ReadonlyArray<{ id: string; reason: string }>): Promise<void>;
}

/** A built target: holds its pooled connections; one instance per target per process. */
export interface Target {
  readonly name: string;
  readonly type: string;
  /**
   * Delivers every record of the batch, or throws a SendError (src/errors.ts) that says whether a retry
   * can help. Resolves only when the peer (or the kernel, for syslog and file) has taken the bytes.
   */
  send(batch: RecordBatch, context: SendContext): Promise<void>;
  /** Closes pooled connections; pending sends fail with a retryable error. */
  close(): Promise<void>;
}
