// A delivery worker per target: sends the records of one delivery job and maps failures to retry or dead letter.
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { RetryConfig } from '../config/schema.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { SendContext, Target } from '../targets/types.js';
import type { DeliveryJobData } from '../queue/jobs.js';
import { targetQueueName } from '../queue/names.js';
import { backoffStrategy, decideFailure, retryAgeExceeded } from '../queue/retry-policy.js';
import type { Counters } from '../telemetry/counters.js';
import { closeWithin, settlesWithin } from '../lifecycle/close-within.js';

export interface DeliveryWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  config: TargetConfig;
  target: Target;
  retry: RetryConfig;
  counters: Counters;
  logger: Logger;
}

/**
 * Without a configured rate limit the limiter is effectively unlimited; it must exist because BullMQ only honours a
 * manual `queue.rateLimit()` (our Retry-After pause) when `limiter.max` is set (BullMQ guide, "Rate limiting", manual rate-limit).
 */
const UNLIMITED = { max: 1_000_000_000, duration: 1000 };

export function createDeliveryWorker(options: DeliveryWorkerOptions) {
  const { config, target, retry, counters } = options;
  const queueName = targetQueueName(config.name);
  const queue = new Queue<DeliveryJobData>(queueName, {
    connection: options.connection,
    prefix: options.prefix,
  });
  queue.on('error', () => undefined);
  const shutdown = new AbortController();

  async function process(
    job: Job<DeliveryJobData>,
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
      throw new UnrecoverableError(`retry age exceeded: still failing after ${retry.maxRetryAgeSeconds} s`);
    }
    // `remaining`: not yet confirmed by the peer; `rejected`: refused for good, waiting for the dead-letter queue.
    let remaining = data.records;
    const rejected: Record<string, string> = { ...data.rejected };
    let delivered = data.deliveredCount;
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
    try {
      const records = outstanding();
      if (records.length > 0) {
        await target.send({ deliveryId: data.deliveryId, transportId: data.transportId, records }, context);
      }
    } catch (error) {
      // A failure after a checkpoint that was not written: save it, so the retry or dead letter holds only the rest.
      if (unsaved) await persist();
      const decision = decideFailure(error);
      const fields = { reason: decision.error.message, attempt: job.attemptsMade + 1 };
      if (decision.kind === 'rate-limit') {
        log.warn('Target asked to wait; pausing its queue.', { ...fields, retryAfterMs: decision.delayMs });
        await queue.rateLimit(decision.delayMs);
        throw Worker.RateLimitError();
      }
      if (decision.kind === 'dead-letter') {
        counters.increment('deliveries_failed', { target: config.name });
        log.error('Delivery failed permanently; kept in the dead-letter queue.', fields);
      } else {
        log.warn('Delivery failed; will retry.', fields);
      }
      throw decision.error;
    }
    // The send resolved: every outstanding record is with the peer.
    const sent = outstanding().length;
    delivered += sent;
    remaining = remaining.filter((record) => record.id in rejected);
    counters.increment('records_delivered', { target: config.name }, sent);
    const ms = Math.round(performance.now() - started);
    if (remaining.length > 0) {
      await persist();
      const reasons = remaining
        .slice(0, 10)
        .map((record) => `${record.id} (${rejected[record.id]})`)
        .join(', ');
      const more = remaining.length > 10 ? `, and ${remaining.length - 10} more` : '';
      counters.increment('deliveries_failed', { target: config.name });
      log.error('Target refused records for good; they are kept in the dead-letter queue.', {
        delivered: sent,
        refused: remaining.length,
        ms,
      });
      throw new UnrecoverableError(
        `record_rejected: ${remaining.length} record(s) refused: ${reasons}${more}`,
      );
    }
    log.info('Records delivered.', { records: sent, total: delivered, ms });
    return sent;
  }

  const worker = new Worker<DeliveryJobData>(queueName, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: config.concurrency,
    limiter: config.rateLimit
      ? { max: config.rateLimit.max, duration: config.rateLimit.durationMs }
      : UNLIMITED,
    settings: { backoffStrategy: backoffStrategy(retry) },
  });
  worker.on('error', (error) =>
    options.logger.warn('Delivery worker error.', { target: config.name, error: error.message }),
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
      await closeWithin(queue, 2000);
    },
  };
}
