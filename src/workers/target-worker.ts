// A target worker per target: sends the records of one target job and maps failures to retry or dead letter.
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { Config, RetryConfig } from '../config/schema.js';
import { permanent } from '../errors.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { SendContext, Target } from '../targets/types.js';
import type { DeadLetterReason, TargetJobData } from '../queue/jobs.js';
import { targetQueueName, queuePrefix } from '../queue/names.js';
import { deadLetterReason, deadLetterRecorder, failureBook, warnReasonNotStored } from '../queue/failures.js';
import {
  backoffStrategy,
  decideFailure,
  type FailureDecision,
  retryAgeExceeded,
  RetryAgeExceeded,
  stalledJobOptions,
} from '../queue/retry-policy.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import type { Counters } from '../telemetry/counters.js';
import type { AttemptResult } from '../telemetry/metrics.js';
import { createRetryLog } from '../telemetry/rate-limited-log.js';
import { noteRedisError } from '../telemetry/redis-link-log.js';
import { deliveryMetrics } from './delivery-metrics.js';
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

/** What one attempt changed: records the peer confirmed or refused, kept until they are saved with the job. */
interface AttemptState {
  /** Not yet confirmed by the peer. */
  remaining: TargetJobData['records'];
  /** Refused for good, by id, with the reason: they wait for the dead-letter queue. */
  rejected: Record<string, string>;
  delivered: number;
  /** What the peer confirmed during this attempt: checkpointed along the way, or everything left once send resolves. */
  confirmed: number;
  /** A checkpoint that was not written (nothing was left to retry then). */
  unsaved: boolean;
  /** performance.now() when the attempt started. */
  started: number;
  /** Records outstanding when the attempt started: what it set out to send. */
  sending: number;
}

/** How an attempt ended, in the words of delivery_attempts_total{result}, for its debug line. */
const RESULT_OF: Record<FailureDecision['kind'], AttemptResult> = {
  retry: 'retry',
  'rate-limit': 'rate_limited',
  'dead-letter': 'dead_letter',
  exhausted: 'dead_letter',
};

export function createTargetWorker(options: TargetWorkerOptions) {
  const { config, target, retry } = options;
  const metrics = deliveryMetrics(options.counters, config.name);
  const queueName = targetQueueName(config.name);
  const keyPrefix = queuePrefix(options.prefix, queueName);
  const queue = new Queue<TargetJobData>(queueName, {
    connection: options.connection,
    prefix: keyPrefix,
  });
  // The queue pauses the target (rateLimit) and holds the failure marks: a failed command fails where it is awaited,
  // and the 'error' event itself has no caller to reach.
  queue.on('error', clientErrorListener('target_queue'));
  // `concurrency` is the target's, across every worker process: BullMQ's global concurrency (a field of the queue's
  // meta hash) caps the jobs active at once whatever the number of workers (https://docs.bullmq.io/guide/queues/global-concurrency).
  void queue.setGlobalConcurrency(config.concurrency).catch(clientErrorListener('target_queue'));
  const failures = failureBook(
    () => queue.backend.client,
    (id) => queue.toKey(id),
  );
  const shutdown = new AbortController();
  // Failures the processor already logged as dead-lettered; the 'failed' listener reports only the others.
  const announced = new WeakSet<Error>();
  // Reasons of the dead letters only the 'failed' listener sees; close() waits for their writes.
  const recorder = deadLetterRecorder(failures, options.logger);
  // One target that stays down fails every attempt of every job: its "will retry" lines are rate-limited.
  const retryLog = createRetryLog({
    logger: options.logger,
    perMinute: options.workers.retryLogPerMinute,
    jobs: 'target jobs',
    fields: { target: config.name },
  });
  const deadLetter = (error: Error): Error => {
    metrics.deadLettered();
    announced.add(error);
    return error;
  };

  /** Saves the attempt's progress into the job's data, with the dead-letter reason when there is one. */
  const save = (job: Job<TargetJobData>, state: AttemptState, reason?: DeadLetterReason) =>
    job.updateData({
      ...job.data,
      records: state.remaining,
      deliveredCount: state.delivered,
      rejected: state.rejected,
      ...(reason ? { deadLetter: reason } : {}),
    });

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
    const state: AttemptState = {
      remaining: data.records,
      rejected: { ...data.rejected },
      delivered: data.deliveredCount,
      confirmed: 0,
      unsaved: false,
      started: performance.now(),
      sending: data.records.filter((record) => !(record.id in (data.rejected ?? {}))).length,
    };
    // Asked first: winston builds and streams a line before its transports drop it for its level.
    if (log.isDebugEnabled())
      log.debug('Target job picked.', {
        jobId: job.id,
        attempt: job.attemptsMade + 1,
        records: state.sending,
      });
    try {
      const confirmed = await attempt(job, state, log, jobSignal);
      metrics.succeeded(data.receivedAt);
      attemptFinished(job, state, log, 'success');
      return confirmed;
    } catch (error) {
      throw await failAttempt(job, state, log, error);
    }
  }

  /** One attempt: resolves with the records confirmed, or throws for failAttempt to judge. */
  async function attempt(
    job: Job<TargetJobData>,
    state: AttemptState,
    log: Logger,
    jobSignal: AbortSignal | undefined,
  ): Promise<number> {
    const data = job.data;
    // Retry-After pauses do not count attempts, so the age limit is checked here too.
    if (job.attemptsStarted > 1 && retryAgeExceeded(job, retry, Date.now())) {
      throw new RetryAgeExceeded(retry.maxRetryAgeSeconds);
    }
    const outstanding = () => state.remaining.filter((record) => !(record.id in state.rejected));
    const signal = jobSignal ? AbortSignal.any([jobSignal, shutdown.signal]) : shutdown.signal;
    const context: SendContext = {
      signal,
      logger: log,
      async checkpoint(ids) {
        const done = new Set(ids);
        const before = state.remaining.length;
        state.remaining = state.remaining.filter((record) => !done.has(record.id));
        state.confirmed += before - state.remaining.length;
        state.delivered += before - state.remaining.length;
        // Progress only matters if a retry could follow; once nothing is outstanding the job is about to complete,
        // and rewriting its data would cost a full copy of the records for nothing.
        if (outstanding().length > 0) await save(job, state);
        else state.unsaved = true;
      },
      async reject(rejections) {
        for (const { id, reason } of rejections) state.rejected[id] = reason;
        await save(job, state);
      },
    };
    try {
      const records = outstanding();
      if (records.length > 0) {
        const sendStarted = performance.now();
        try {
          await target.send({ deliveryId: data.deliveryId, transportId: data.transportId, records }, context);
        } finally {
          metrics.sent((performance.now() - sendStarted) / 1000);
        }
      }
    } catch (error) {
      if (state.confirmed > 0) announceDelivered(state, log);
      throw error;
    }
    // The send resolved: every outstanding record is with the peer.
    const sent = outstanding().length;
    state.confirmed += sent;
    state.delivered += sent;
    state.remaining = state.remaining.filter((record) => record.id in state.rejected);
    if (state.remaining.length > 0) {
      if (state.confirmed > 0) announceDelivered(state, log);
      const reasons = state.remaining
        .slice(0, 10)
        .map((record) => `${record.id} (${state.rejected[record.id]})`)
        .join(', ');
      const more = state.remaining.length > 10 ? `, and ${state.remaining.length - 10} more` : '';
      // Records fan-out found too large for the target (fan-out.ts) have a code of their own.
      const tooLarge = state.remaining.every((r) => state.rejected[r.id]?.startsWith('record_too_large:'));
      throw permanent(
        tooLarge ? 'record_too_large' : 'record_rejected',
        `${state.remaining.length} record(s) refused: ${reasons}${more}`,
      );
    }
    announceDelivered(state, log);
    // Nothing is left to send: the completed job keeps its counts, not its records (docs/architecture.md, "Redis
    // memory"). Failing to drop them must not turn a finished delivery into a retry that sends everything again.
    await save(job, state).catch((error: unknown) =>
      log.warn(
        'Could not drop the delivered records from the completed job; they stay until it is removed.',
        {
          reason: error instanceof Error ? error.message : String(error),
        },
      ),
    );
    return state.confirmed;
  }

  // Logged once per attempt, also when the attempt fails after a checkpoint, so that the "Records delivered." lines
  // and the records_delivered_total counter add up to what the peers received.
  function announceDelivered(state: AttemptState, log: Logger): void {
    metrics.delivered(state.confirmed);
    log.info('Records delivered.', {
      records: state.confirmed,
      total: state.delivered,
      ms: Math.round(performance.now() - state.started),
    });
  }

  /** Per-job detail at debug (docs/operations.md, "Per-job lines at debug"): ids, counts and codes, never records. */
  function attemptFinished(
    job: Job<TargetJobData>,
    state: AttemptState,
    log: Logger,
    result: AttemptResult,
    code?: string,
  ): void {
    if (!log.isDebugEnabled()) return;
    log.debug('Send attempt finished.', {
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      records: state.sending,
      delivered: state.confirmed,
      ms: Math.round(performance.now() - state.started),
      result,
      ...(code === undefined ? {} : { code }),
    });
  }

  /** Judges a failed attempt (decideFailure), acts on it, and returns the error for BullMQ. */
  async function failAttempt(
    job: Job<TargetJobData>,
    state: AttemptState,
    log: Logger,
    error: unknown,
  ): Promise<Error> {
    const now = Date.now();
    const marks = await failures.read(job.id ?? '');
    const decision = decideFailure(error, { job, policy: retry, now, lastCode: marks.lastCode });
    metrics.failed(decision, state.remaining.length);
    attemptFinished(job, state, log, RESULT_OF[decision.kind], decision.code);
    const fields = { reason: decision.error.message, attempt: job.attemptsMade + 1 };
    if (decision.kind === 'rate-limit' || decision.kind === 'retry') {
      // A checkpoint that was not written: save it, so the retry holds only the rest. Should that fail, the retry
      // sends those records again, and their ids let the SIEM drop the duplicates.
      if (state.unsaved)
        await save(job, state).catch((saveError: unknown) =>
          log.warn('Could not save the records confirmed before the failure; the retry sends them again.', {
            reason: saveError instanceof Error ? saveError.message : String(saveError),
          }),
        );
      await failures.mark(job.id ?? '', marks, decision.code, now);
    }
    switch (decision.kind) {
      case 'rate-limit':
        retryLog.offer({
          logger: log,
          message: 'Target asked to wait; pausing its queue.',
          fields: { ...fields, retryAfterMs: decision.delayMs },
          reason: decision.error.message,
        });
        await queue.rateLimit(decision.delayMs);
        return Worker.RateLimitError();
      case 'retry':
        retryLog.offer({
          logger: log,
          message: 'Delivery failed; will retry.',
          fields,
          reason: decision.error.message,
        });
        return decision.error;
      case 'dead-letter':
      case 'exhausted': {
        const attempts = decision.kind === 'exhausted' ? decision.attempts : job.attemptsMade + 1;
        const reason = deadLetterReason(decision, attempts, marks, now);
        // The one write of the job's data for this failure: its progress and the reason (queue/failures.ts).
        await save(job, state, reason).catch((saveError: unknown) => warnReasonNotStored(log, saveError));
        if (decision.kind === 'exhausted') {
          log.error(
            decision.limit === 'attempts'
              ? `Delivery failed after ${decision.attempts} attempts; kept in the dead-letter queue.`
              : `Delivery failed for longer than retry.maxRetryAgeSeconds (${retry.maxRetryAgeSeconds} s), after ${decision.attempts} attempts; kept in the dead-letter queue.`,
            { reason: decision.error.message, code: decision.code, attempts: decision.attempts },
          );
        } else if (decision.code === 'record_rejected') {
          log.error('Target refused records for good; they are kept in the dead-letter queue.', {
            ...fields,
            code: decision.code,
            delivered: state.confirmed,
            refused: state.remaining.length,
            ms: Math.round(performance.now() - state.started),
          });
        } else {
          log.error('Delivery failed permanently; kept in the dead-letter queue.', {
            ...fields,
            code: decision.code,
          });
        }
        return deadLetter(decision.error);
      }
    }
  }

  const worker = new Worker<TargetJobData>(queueName, sendTargetJob, {
    connection: options.connection,
    prefix: keyPrefix,
    concurrency: config.concurrency,
    limiter: config.rateLimit
      ? { max: config.rateLimit.max, duration: config.rateLimit.durationMs }
      : UNLIMITED,
    settings: { backoffStrategy: backoffStrategy(retry) },
    ...stalledJobOptions(options.workers),
  });
  worker.on('error', (error) => {
    options.logger.warn('Target worker error.', { target: config.name, error: error.message });
    // Mostly its connections' errors: the link log asks whether Redis is gone (telemetry/redis-link-log.ts).
    noteRedisError('target_worker', error);
  });
  // Dead letters the processor could not announce: a job that stalled too often fails before the processor runs, and
  // a failure of the processor's own failure handling (a Redis error pausing the queue) can meet a limit in BullMQ.
  // They go through decideFailure too, and their reason is stored after the fact.
  worker.on('failed', (job, error) => {
    // finishedOn is set only when the job moved to the failed set, not when it was scheduled for a retry.
    if (!job || announced.has(error) || !job.finishedOn) return;
    metrics.deadLettered();
    const decision = decideFailure(error);
    const fields = {
      transportId: job.data.transportId,
      deliveryId: job.data.deliveryId,
      target: config.name,
      reason: error.message,
      code: decision.code,
      attempts: job.attemptsMade,
    };
    if (decision.code === 'job_stalled') {
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
    recorder.record(job, decision, fields);
  });
  worker.on('completed', (job, confirmed) => {
    if (!options.logger.isDebugEnabled()) return;
    options.logger.debug('Target job completed.', {
      transportId: job.data.transportId,
      deliveryId: job.data.deliveryId,
      target: config.name,
      jobId: job.id,
      attempts: job.attemptsMade,
      delivered: confirmed,
      total: job.data.deliveredCount,
    });
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
      await recorder.settle(2000);
      retryLog.flush();
      await closeWithin(queue, 2000);
    },
  };
}
