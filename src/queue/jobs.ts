// The data each job carries through Redis; both shapes are plain JSON.
import type { RecordBatch } from '../record-batch.js';

/** One accepted webhook delivery, stored exactly as received so that a failed ingest can be replayed. */
export interface IngestJobData {
  event: string;
  /** X-Snyk-Transport-ID of the first request that stored the delivery: unsigned, kept in records as information only. */
  transportId: string;
  /** X-Snyk-Timestamp as sent: unsigned, used as the record time only near receivedAt (normalizers/delivery.ts). */
  snykTimestamp: string | undefined;
  receivedAt: string;
  /** The raw request body as UTF-8 text (its signature was checked on the bytes). */
  body: string;
  /** SHA-256 (hex) of the body bytes: the delivery id and every record id derive from it. */
  bodySha256: string;
}

/** The records of one delivery for one target; records leave the job as the target confirms them. */
export interface TargetJobData extends RecordBatch {
  target: string;
  /** Records already confirmed by the peer before a retry; kept for inspection. */
  deliveredCount: number;
  /** Set by `dlq replay` (epoch ms): the retry-age limit counts from here. */
  replayedAt?: number;
  /** Records the peer refused for good, by id, with the reason; they wait here for the dead-letter queue. */
  rejected?: Record<string, string>;
}

export const INGEST_JOB = 'snyk-delivery';
export const TARGET_JOB = 'records';
