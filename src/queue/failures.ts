// A job's failure history: two small marks per failed attempt, and the structured reason once it is dead-lettered.
import type { Job } from 'bullmq';
import type { Logger } from 'winston';
import { isErrorCode, type ErrorCode } from '../errors.js';
import { settlesWithin } from '../lifecycle/close-within.js';
import { reportClientError } from '../telemetry/client-errors.js';
import type { DeadLetterReason } from './jobs.js';
import type { FailureDecision } from './retry-policy.js';

/**
 * When the job first failed and with which code it last failed, kept as two fields of the job's own BullMQ hash: one
 * HSET of a few bytes per failed attempt. The job data (a target job can hold thousands of records) is written once,
 * when the job is dead-lettered: rewriting it on every failed attempt would copy every record each time. BullMQ reads
 * only its own fields of the hash and deletes the hash with the job; `dlq replay` deletes the marks.
 */
const FIRST_FAILED_AT = 'ssf:firstFailedAt';
const LAST_CODE = 'ssf:lastCode';
export const FAILURE_MARKS: readonly string[] = [FIRST_FAILED_AT, LAST_CODE];

/** What the marks need of a Redis client; BullMQ's own (`queue.backend.client`) fits. */
export interface HashClient {
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  hset(key: string, data: Record<string, string | number>): Promise<number>;
}

export interface FailureMarks {
  firstFailedAt?: number;
  lastCode?: ErrorCode;
}

/** The failure marks of the jobs of one queue. */
export interface FailureBook {
  /** The job's marks; none when Redis cannot say (counted as a client error: the decision goes on without them). */
  read(jobId: string): Promise<FailureMarks>;
  /** Records a failed attempt that will be tried again. */
  mark(jobId: string, marks: FailureMarks, code: ErrorCode, now: number): Promise<void>;
}

export function failureBook(
  client: () => Promise<HashClient>,
  toKey: (jobId: string) => string,
): FailureBook {
  return {
    async read(jobId) {
      try {
        const redis = await client();
        const [first, code] = await redis.hmget(toKey(jobId), FIRST_FAILED_AT, LAST_CODE);
        const firstFailedAt = Number(first);
        return {
          ...(first && Number.isFinite(firstFailedAt) ? { firstFailedAt } : {}),
          ...(isErrorCode(code) ? { lastCode: code } : {}),
        };
      } catch (error) {
        reportClientError('failure_marks', error);
        return {};
      }
    },
    async mark(jobId, marks, code, now) {
      try {
        const redis = await client();
        await redis.hset(toKey(jobId), { [FIRST_FAILED_AT]: marks.firstFailedAt ?? now, [LAST_CODE]: code });
      } catch (error) {
        reportClientError('failure_marks', error);
      }
    },
  };
}

/** The structured reason of a job dead-lettered now by this decision, after `attempts` attempts. */
export function deadLetterReason(
  decision: FailureDecision,
  attempts: number,
  marks: FailureMarks,
  now: number,
): DeadLetterReason {
  return {
    code: decision.code,
    message: decision.message,
    attempts,
    firstFailedAt: new Date(marks.firstFailedAt ?? now).toISOString(),
    lastFailedAt: new Date(now).toISOString(),
    ...(decision.kind === 'exhausted' ? { limit: decision.limit } : {}),
  };
}

/** Logs that a dead letter's reason could not be stored: `dlq list` then reads it from failedReason. */
export function warnReasonNotStored(log: Logger, error: unknown, fields: Record<string, unknown> = {}): void {
  log.warn('Could not store the dead-letter reason in the job; dlq list reads it from failedReason.', {
    ...fields,
    error: error instanceof Error ? error.message : String(error),
  });
}

/** Stores, after the fact, the reasons of jobs that BullMQ failed for good by itself (a stall too many). */
export interface DeadLetterRecorder {
  /** One write of the job's data, in the background; a failure is logged. */
  record<T extends { deadLetter?: DeadLetterReason }>(
    job: Job<T>,
    decision: FailureDecision,
    fields: Record<string, unknown>,
  ): void;
  /** Waits for the writes in flight, at most `ms` (at close). */
  settle(ms: number): Promise<void>;
}

export function deadLetterRecorder(book: FailureBook, log: Logger): DeadLetterRecorder {
  const pending = new Set<Promise<void>>();
  return {
    record(job, decision, fields) {
      const write = async () => {
        const now = Date.now();
        const marks = await book.read(job.id ?? '');
        const deadLetter = deadLetterReason(decision, job.attemptsMade, marks, now);
        await job.updateData({ ...job.data, deadLetter });
      };
      const recorded: Promise<void> = write()
        .catch((error: unknown) => warnReasonNotStored(log, error, fields))
        .finally(() => pending.delete(recorded));
      pending.add(recorded);
    },
    async settle(ms) {
      await settlesWithin(Promise.all(pending), ms);
    },
  };
}
