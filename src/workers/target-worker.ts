// A target worker per target: sends the records of one target job and maps failures to retry or dead letter.
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { Config, RetryConfig } from '../config/schema.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { SendContext, Target } from '../targets/types.js';
import type { TargetJobData } from '../queue/jobs.js';
import { targetQueueName } from '../queue/names.js';
import {
  backoffStrategy,
  decideFailure,
  retryAgeExceeded,
  STALLED_TOO_OFTEN,
  stalledJobOptions,
} from '../queue/retry-policy.js';
import type { Counters } from '../telemetry/counters.js';
import { createRetryLog } from '../telemetry/rate-limited-log.js';
import { closeWithin, settlesWithin } from '../lifecycle/close-within.js';

export interface TargetWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  config: TargetConfig;
  target: Target;
  retry: RetryConfig;
  /** Lock, stalled-job and retry-log settings (`workers.*`), the same for every worker. */
  workers: Config['workers'];
  counters: Counters;
  logger: Logger;
}

/**
 * Without a configured rate limit the limiter is effectively unlimited; it must exist because BullMQ only honours a
 * manual `queue.rateLimit()` (our Retry-After pause) when `limiter.max` is set (BullMQ guide, "Rate limiting", manual rate-limit).
 */
const UNLIMITED = { max: 1_000_000_000, duration: 1000 };

export function createTargetWorker(options: TargetWorkerOptions) {
  const { config, target, retry, counters } = options;
  const queueName = targetQueueName(config.name);
  const queue = new Queue<TargetJobData>(queueName, {
    connection: options.connection,
    prefix: options.prefix,
  });
  queue.on('error', () => undefined);
  const shutdown = new AbortController();
  // Failures the processor already logged as dead-lettered; the 'failed' listener reports only the others.
  const announced = new WeakSet<Error>();
  // One target that stays down fails every attempt of every job: its "will retry" lines are rate-limited.
  const retryLog = createRetryLog({
    logger: options.logger,
    perMinute: options.workers.retryLogPerMinute,
    jobs: 'target jobs',
    fields: { target: config.name },
  });
  const deadLetter = (error: UnrecoverableError): UnrecoverableError => {
    counters.increment('target_jobs_dead_lettered', { target: config.name });
    announced.add(error);
    return error;
  };

  async function sendTargetJob(
    job: Job<TargetJobData>,
    _token?: string,
    jobSignal?: AbortSignal,
  ): Promise<number> {
    const data = job.data;
    const log = options.logger.child({
      transportId: data.transportId,
      deliveryId: data.deliveryId,
      target: config.name,
    });
    // Retry-After pauses do not count attempts, so the age limit is checked here too.
    if (job.attemptsStarted > 1 && retryAgeExceeded(job, retry, Date.now())) {
      log.error(
        `Delivery failed for longer than retry.maxRetryAgeSeconds (${retry.maxRetryAgeSeconds} s); kept in the dead-letter queue.`,
        { reason: job.failedReason, attempts: job.attemptsMade + 1 },
      );
      throw deadLetter(
        new UnrecoverableError(`retry age exceeded: still failing after ${retry.maxRetryAgeSeconds} s`),
      );
    }
    // `remaining`: not yet confirmed by the peer; `rejected`: refused for good, waiting for the dead-letter queue.
    let remaining = data.records;
    const rejected: Record<string, string> = { ...data.rejected };
    let delivered = data.deliveredCount;
    // What the peer confirmed during this attempt: checkpointed along the way, or everything left once send resolves.
    let confirmed = 0;
    const outstanding = () => remaining.filter((record) => !(record.id in rejected));
    let unsaved = false;
    const persist = () =>
      job.updateData({ ...data, records: remaining, deliveredCount: delivered, rejected });
    const signal = jobSignal ? AbortSignal.any([jobSignal, shutdown.signal]) : shutdown.signal;
    const context: SendContext = {
      signal,
      logger: log,
      async checkpoint(ids) {
        const done = new Set(ids);
        const before = remaining.length;
        remaining = remaining.filter((record) => !done.has(record.id));
        confirmed += before - remaining.length;
        delivered += before - remaining.length;
        // Progress only matters if a retry could follow; once nothing is outstanding the job is about to complete,
        // and rewriting its data would cost a full copy of the records for nothing.
        if (outstanding().length > 0) await persist();
        else unsaved = true;
      },
      async reject(rejections) {
        for (const { id, reason } of rejections) rejected[id] = reason;
        await persist();
      },
    };
    const started = performance.now();
    // Logged once per attempt, also when the attempt fails after a checkpoint, so that the "Records delivered." lines
    // and the records_delivered counter add up to what the peers received.
    const announceDelivered = (): void => {
      counters.increment('records_delivered', { target: config.name }, confirmed);
      log.info('Records delivered.', {
        records: confirmed,
        total: delivered,
        ms: Math.round(performance.now() - started),
      });
    };
    try {
      const records = outstanding();
      if (records.length > 0) {
        await target.send({ deliveryId: data.deliveryId, transportId: data.transportId, records }, context);
      }
    } catch (error) {
      if (confirmed > 0) announceDelivered();
      // A failure after a checkpoint that was not written: save it, so the retry or dead letter holds only the rest.
      if (unsaved) await persist();
      const decision = decideFailure(error, { job, policy: retry, now: Date.now() });
      const fields = { reason: decision.error.message, attempt: job.attemptsMade + 1 };
      switch (decision.kind) {
        case 'rate-limit':
          retryLog.offer({
            logger: log,
            message: 'Target asked to wait; pausing its queue.',
            fields: { ...fields, retryAfterMs: decision.delayMs },
            reason: decision.error.message,
          });
          await queue.rateLimit(decision.delayMs);
          throw Worker.RateLimitError();
        case 'dead-letter':
          log.error('Delivery failed permanently; kept in the dead-letter queue.', fields);
          throw deadLetter(decision.error);
        case 'exhausted':
          log.error(
            decision.limit === 'attempts'
              ? `Delivery failed after ${decision.attempts} attempts; kept in the dead-letter queue.`
              : `Delivery failed for longer than retry.maxRetryAgeSeconds (${retry.maxRetryAgeSeconds} s), after ${decision.attempts} attempts; kept in the dead-letter queue.`,
            { reason: decision.error.message, attempts: decision.attempts },
          );
          throw deadLetter(decision.error);
        case 'retry':
          retryLog.offer({
            logger: log,
            message: 'Delivery failed; will retry.',
            fields,
            reason: decision.error.message,
          });
          throw decision.error;
      }
    }
    // The send resolved: every outstanding record is with the peer.
    const sent = outstanding().length;
    confirmed += sent;
    delivered += sent;
    remaining = remaining.filter((record) => record.id in rejected);
    const ms = Math.round(performance.now() - started);
    if (remaining.length > 0) {
      if (confirmed > 0) announceDelivered();
      await persist();
      const reasons = remaining
        .slice(0, 10)
        .map((record) => `${record.id} (${rejected[record.id]})`)
        .join(', ');
      const more = remaining.length > 10 ? `, and ${remaining.length - 10} more` : '';
      log.error('Target refused records for good; they are kept in the dead-letter queue.', {
        delivered: confirmed,
        refused: remaining.length,
        ms,
      });
      throw deadLetter(
        new UnrecoverableError(`record_rejected: ${remaining.length} record(s) refused: ${reasons}${more}`),
      );
    }
    announceDelivered();
    // Nothing is left to send: the completed job keeps its counts, not its records (docs/architecture.md, "Redis
    // memory"). Failing to drop them must not turn a finished delivery into a retry that sends everything again.
    await persist().catch((error: unknown) =>
      log.warn(
        'Could not drop the delivered records from the completed job; they stay until it is removed.',
        {
          reason: error instanceof Error ? error.message : String(error),
        },
      ),
    );
    return confirmed;
  }

  const worker = new Worker<TargetJobData>(queueName, sendTargetJob, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: config.concurrency,
    limiter: config.rateLimit
      ? { max: config.rateLimit.max, duration: config.rateLimit.durationMs }
      : UNLIMITED,
    settings: { backoffStrategy: backoffStrategy(retry) },
    ...stalledJobOptions(options.workers),
  });
  worker.on('error', (error) =>
    options.logger.warn('Target worker error.', { target: config.name, error: error.message }),
  );
  // Dead letters the processor could not announce: a job that stalled too often fails before the processor runs, and
  // an error outside its send (a Redis error saving progress) can meet the attempt or age limit in BullMQ itself.
  worker.on('failed', (job, error) => {
    // finishedOn is set only when the job moved to the failed set, not when it was scheduled for a retry.
    if (!job || announced.has(error) || !job.finishedOn) return;
    counters.increment('target_jobs_dead_lettered', { target: config.name });
    const fields = {
      transportId: job.data.transportId,
      deliveryId: job.data.deliveryId,
      target: config.name,
      reason: error.message,
      attempts: job.attemptsMade,
    };
    if (error.message === STALLED_TOO_OFTEN) {
      options.logger.error(
        `Target job stalled more than workers.maxStalledCount (${options.workers.maxStalledCount}) times: its worker stopped while sending it each time; kept in the dead-letter queue.`,
        { ...fields, stalls: job.stalledCounter },
      );
    } else {
      options.logger.error(
        `Delivery failed after ${job.attemptsMade} attempts; kept in the dead-letter queue.`,
        fields,
      );
    }
  });
  // A job taken back from a worker that died or froze; it is sent again (record ids let the SIEM drop duplicates).
  worker.on('stalled', (jobId) =>
    options.logger.warn('Target job stalled (its worker stopped or froze mid-send); sending it again.', {
      target: config.name,
      jobId,
    }),
  );

  return {
    worker,
    queue,
    /** Stops taking jobs and waits for active ones until the deadline, then aborts them (they are retried later). */
    async close(graceMs: number): Promise<void> {
      if (!(await settlesWithin(worker.close(), graceMs))) {
        shutdown.abort(new Error('shutdown'));
        if (!(await settlesWithin(worker.close(true), 2000))) await settlesWithin(worker.disconnect(), 1000);
      }
      retryLog.flush();
      await closeWithin(queue, 2000);
    },
  };
}
