// The ingest worker: normalises one stored delivery and adds one target job per enabled target to its own queue.
import { availableParallelism } from 'node:os';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { Config, RetryConfig } from '../config/schema.js';
import { permanent } from '../errors.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { IngestJobData } from '../queue/jobs.js';
import { INGEST_QUEUE, queuePrefix } from '../queue/names.js';
import { deadLetterReason, deadLetterRecorder, failureBook, warnReasonNotStored } from '../queue/failures.js';
import {
  completedJobRetention,
  decideFailure,
  targetJobOptions,
  stalledJobOptions,
} from '../queue/retry-policy.js';
import type { Counters } from '../telemetry/counters.js';
import { createRetryLog } from '../telemetry/rate-limited-log.js';
import { noteRedisError } from '../telemetry/redis-link-log.js';
import { fanOutTargets } from './fan-out.js';
import { createFanOutPool } from './fan-out-pool.js';
import { targetJobId } from './target-job-store.js';
import { settlesWithin } from '../lifecycle/close-within.js';
import { recordForwarded } from '../snyk/reconcile/forwarded-set.js';

export { fanOut } from './fan-out.js';

/**
 * Heap of one fan-out thread. The largest payload the limits allow (a 32 MiB body, 20,000 findings: normalizers/
 * limits.ts) peaked at 550-660 MB with five targets in all four formats. A payload that needs more stops its thread,
 * not the process: the ingest job fails, is retried, and ends in the ingest dead-letter queue with the reason.
 */
const FAN_OUT_HEAP_MB = 1024;

export interface IngestWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  targets: readonly TargetConfig[];
  retry: RetryConfig;
  keepCompleted: number;
  /** Lock and stalled-job settings (`workers.*`), the same for every worker. */
  workers: Config['workers'];
  logger: Logger;
  /** Where records_filtered_total is counted; tests that only fan out may leave it out. */
  counters?: Counters;
}

/** An ingest job whose target jobs are all stored: its raw body was dropped, and these are its record counts. */
type FannedOutIngestJobData = IngestJobData & { fannedOut?: Record<string, number> };

/**
 * Once every target job is stored the raw body is no longer needed, so the completed ingest job keeps only ids,
 * timestamps and counts (docs/architecture.md, "Redis memory"). The counts mark the fan-out as done: a run after
 * this point (its worker died before the job completed) adds nothing and reads no body. Failing to drop the body
 * must not fail a fan-out that succeeded; the body then stays until the completed job is removed.
 */
async function dropBody(job: Job<IngestJobData>, counts: Record<string, number>, log: Logger): Promise<void> {
  const stripped: FannedOutIngestJobData = { ...job.data, body: '', fannedOut: counts };
  try {
    await job.updateData(stripped);
  } catch (error) {
    log.warn(
      'Could not drop the raw body from the fanned-out ingest job; it stays until the job is removed.',
      {
        reason: error instanceof Error ? error.message : String(error),
      },
    );
  }
}

/**
 * The records the delivery normalised to: for each enabled target, those in its job plus those its filter dropped
 * (fan-out.ts counts a filtered target even when its job is empty). Undefined with no enabled target.
 */
function normalizedCount(
  counts: Record<string, number>,
  filtered: Record<string, number>,
): number | undefined {
  const totals = Object.entries(filtered).map(([target, dropped]) => (counts[target] ?? 0) + dropped);
  return totals.length > 0 ? Math.max(...totals) : undefined;
}

export function createIngestWorker(options: IngestWorkerOptions) {
  const jobOptions = targetJobOptions(
    options.retry,
    options.keepCompleted,
    options.workers.keepCompletedSeconds,
  );
  const targets = fanOutTargets(options.targets);
  // Large deliveries are parsed, normalised, encoded and stored in threads, one job per thread, so the event loop that
  // serves the receiver and renews this worker's job locks only waits for the counts; small ones are fanned out here
  // (fan-out-pool.ts, INLINE_MAX_BYTES). One thread per CPU at most: the work is CPU-bound, and each thread may take
  // up to FAN_OUT_HEAP_MB for one payload, so more threads would only add memory.
  const pool = createFanOutPool({
    size: Math.min(options.concurrency, availableParallelism()),
    store: { connection: options.connection, prefix: options.prefix, jobOptions },
    resourceLimits: { maxOldGenerationSizeMb: FAN_OUT_HEAP_MB },
  });

  async function fanOutIngestJob(job: Job<IngestJobData>): Promise<{ records: Record<string, number> }> {
    const deliveryId = job.id ?? 'unknown';
    const log = options.logger.child({ transportId: job.data.transportId, deliveryId });
    // Per-job detail at debug (docs/operations.md, "Per-job lines at debug"): ids and counts, never payload content.
    // Asked first: winston builds and streams a line before its transports drop it for its level.
    if (log.isDebugEnabled())
      log.debug('Ingest job picked.', { event: job.data.event, attempt: job.attemptsMade + 1 });
    try {
      return await fanOutOnce(job, deliveryId, log);
    } catch (error) {
      throw await failAttempt(job, log, error);
    }
  }

  async function fanOutOnce(
    job: Job<IngestJobData>,
    deliveryId: string,
    log: Logger,
  ): Promise<{ records: Record<string, number> }> {
    const fannedOut = (job.data as FannedOutIngestJobData).fannedOut;
    if (fannedOut !== undefined) {
      log.info('Delivery was fanned out already; nothing to add.', {
        event: job.data.event,
        records: fannedOut,
      });
      return { records: fannedOut };
    }
    const outcome = await pool.run(job.data, deliveryId, targets);
    // The raw payload stays in the ingest queue's failed set for `dlq replay` after a fix.
    if (!outcome.ok) throw permanent('payload_invalid', outcome.payloadError);
    const counts = outcome.counts;
    // The forwarded set reconciliation compares with Snyk (docs/reconcile.md), from the delta fan-out read.
    if (outcome.delta !== undefined)
      await recordForwarded(await worker.backend.client, options.prefix, outcome.delta, job.data.receivedAt);
    // Counted once the target jobs are stored: a fan-out retried after a failure counts its filtered records once.
    for (const [target, dropped] of Object.entries(outcome.filtered))
      options.counters?.increment('records_filtered_total', { target }, dropped);
    if (log.isDebugEnabled())
      for (const [target, records] of Object.entries(counts))
        log.debug('Target job enqueued.', { target, jobId: targetJobId(deliveryId, target), records });
    await dropBody(job, counts, log);
    log.info('Delivery normalised.', {
      event: job.data.event,
      normalized: normalizedCount(counts, outcome.filtered),
      records: counts,
      filtered: outcome.filtered,
    });
    return { records: counts };
  }

  /**
   * Judges a failed attempt (decideFailure; ingest jobs have no age limit, only their attempts) and returns the error
   * for BullMQ. Retries are logged by the 'failed' listener, rate-limited; dead letters here, at error level.
   */
  async function failAttempt(job: Job<IngestJobData>, log: Logger, error: unknown): Promise<Error> {
    const now = Date.now();
    const marks = await failures.read(job.id ?? '');
    const decision = decideFailure(error, { job, now });
    if (decision.kind === 'retry' || decision.kind === 'rate-limit') {
      await failures.mark(job.id ?? '', marks, decision.code, now);
      return decision.error;
    }
    const attempts = decision.kind === 'exhausted' ? decision.attempts : job.attemptsMade + 1;
    // The one write of the job's data for this failure; the raw body is still in it.
    await job
      .updateData({ ...job.data, deadLetter: deadLetterReason(decision, attempts, marks, now) })
      .catch((saveError: unknown) => warnReasonNotStored(log, saveError));
    if (decision.code === 'payload_invalid') {
      log.error('Payload cannot be understood; the delivery is dead-lettered.', {
        reason: decision.message,
        code: decision.code,
      });
    } else {
      log.error(`Ingest job failed after ${attempts} attempts; kept in the ingest dead-letter queue.`, {
        reason: decision.error.message,
        code: decision.code,
        attempts,
      });
    }
    announced.add(decision.error);
    return decision.error;
  }

  // Failures the processor already logged as dead-lettered; the 'failed' listener reports only the others.
  const announced = new WeakSet<Error>();
  const worker = new Worker<IngestJobData>(INGEST_QUEUE, fanOutIngestJob, {
    connection: options.connection,
    prefix: queuePrefix(options.prefix, INGEST_QUEUE),
    concurrency: options.concurrency,
    // Applies to ingest jobs that set no retention of their own (the receiver leaves it to the workers' settings).
    removeOnComplete: completedJobRetention(options.keepCompleted, options.workers.keepCompletedSeconds),
    ...stalledJobOptions(options.workers),
  });
  const failures = failureBook(
    () => worker.backend.client,
    (id) => worker.toKey(id),
  );
  // Reasons of the dead letters only the 'failed' listener sees; close() waits for their writes.
  const recorder = deadLetterRecorder(failures, options.logger);
  // Ingest jobs retry on Redis errors while fanning out; one line per attempt would flood the log during an outage.
  const retryLog = createRetryLog({
    logger: options.logger,
    perMinute: options.workers.retryLogPerMinute,
    jobs: 'ingest jobs',
  });
  worker.on('error', (error) => {
    options.logger.warn('Ingest worker error.', { error: error.message });
    // Mostly its connections' errors: the link log asks whether Redis is gone (telemetry/redis-link-log.ts).
    noteRedisError('ingest_worker', error);
  });
  worker.on('completed', (job) => {
    if (!options.logger.isDebugEnabled()) return;
    options.logger.debug('Ingest job completed.', {
      transportId: job.data.transportId,
      deliveryId: job.id,
      attempt: job.attemptsMade,
      ms:
        job.finishedOn !== undefined && job.processedOn !== undefined
          ? job.finishedOn - job.processedOn
          : undefined,
    });
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const fields = { transportId: job.data.transportId, deliveryId: job.id, reason: error.message };
    // finishedOn is set only when the job moved to the failed set, not when it was scheduled for a retry.
    if (!job.finishedOn) {
      retryLog.offer({
        logger: options.logger,
        message: 'Ingest job failed; will retry.',
        fields: { ...fields, attempt: job.attemptsMade },
        reason: error.message,
      });
      return;
    }
    // The processor logged and recorded its own dead letters.
    if (announced.has(error)) return;
    // A job that stalled too often fails before the processor runs: judged here, its reason stored after the fact.
    const decision = decideFailure(error);
    if (decision.code === 'job_stalled') {
      options.logger.error(
        `Ingest job stalled more than workers.maxStalledCount (${options.workers.maxStalledCount}) times: its worker stopped while processing it each time; kept in the ingest dead-letter queue.`,
        { ...fields, code: decision.code, stalls: job.stalledCounter },
      );
    } else {
      options.logger.error(
        `Ingest job failed after ${job.attemptsMade} attempts; kept in the ingest dead-letter queue.`,
        { ...fields, code: decision.code, attempts: job.attemptsMade },
      );
    }
    recorder.record(job, decision, fields);
  });

  return {
    worker,
    /** Stops taking jobs and lets active ones finish until the deadline; then drops them (they are retried). */
    async close(graceMs: number): Promise<void> {
      if (!(await settlesWithin(worker.close(), graceMs))) {
        if (!(await settlesWithin(worker.close(true), 2000))) await settlesWithin(worker.disconnect(), 1000);
      }
      await recorder.settle(2000);
      retryLog.flush();
      await pool.close(2000);
    },
  };
}
