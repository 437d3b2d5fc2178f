// The contract every target type implements: take encoded records, put them on the wire, or throw a typed error.
import type { Logger } from 'winston';
import type { RecordBatch } from '../record-batch.js';

/** What every target is built with. */
export interface TargetDeps {
  logger: Logger;
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
