// The data each job carries through Redis; both shapes are plain JSON.
import type { ErrorCode } from '../errors.js';
import type { RecordBatch } from '../record-batch.js';

/**
 * Why a job is a dead letter, written into its data once, when it is dead-lettered (queue/failures.ts): readable with
 * BullMQ's own API (`job.data.deadLetter`) without parsing `failedReason`, which stays a `code: message` line.
 */
export interface DeadLetterReason {
  /** From the registry (src/errors.ts): low cardinality, usable as a metric label. */
  code: ErrorCode;
  /** The error's message, without the code. */
  message: string;
  /** Attempts made, the last one included (BullMQ's attemptsMade once the job is in the failed set). */
  attempts: number;
  /** The first failed attempt since the job was queued or last replayed, and the one that dead-lettered it (ISO). */
  firstFailedAt: string;
  lastFailedAt: string;
  /** Set when a retryable failure ran out of `retry.attempts` or `retry.maxRetryAgeSeconds`. */
  limit?: 'attempts' | 'age';
}

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
  /** Set when the delivery is dead-lettered; removed by `dlq replay`. */
  deadLetter?: DeadLetterReason;
}

/** The records of one delivery for one target; records leave the job as the target confirms them. */
export interface TargetJobData extends RecordBatch {
  target: string;
  /**
   * When the receiver took the delivery (its IngestJobData.receivedAt), for end_to_end_latency_seconds; absent in
   * target jobs stored by an earlier version.
   */
  receivedAt?: string;
  /** Records already confirmed by the peer before a retry; kept for inspection. */
  deliveredCount: number;
  /** Set by `dlq replay` (epoch ms): the retry-age limit counts from here. */
  replayedAt?: number;
  /** Records the peer refused for good, by id, with the reason; they wait here for the dead-letter queue. */
  rejected?: Record<string, string>;
  /** Set when the target job is dead-lettered; removed by `dlq replay`. */
  deadLetter?: DeadLetterReason;
}

export const INGEST_JOB = 'snyk-delivery';
export const TARGET_JOB = 'records';
