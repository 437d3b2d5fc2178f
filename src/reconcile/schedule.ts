// The reconciliation schedule: a BullMQ job scheduler on its own queue, so each period has one run across the fleet.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'winston';
import type { Config } from '../config/schema.js';
import { closeWithin } from '../lifecycle/close-within.js';
import { RECONCILE_QUEUE, queuePrefix } from '../queue/names.js';
import { SnykApiError } from '../snyk/api-error.js';
import { createSnykRestClient, type SnykRestClientOptions } from '../snyk/rest-client.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import type { Counters } from '../telemetry/counters.js';
import { declareReconcileSeries } from '../telemetry/series.js';
import { createRecordEmitter } from './emit.js';
import { reconcileOrg, ReconcileBusyError, type ReconcileSummary } from './run.js';

// Why a job scheduler rather than a timer per process, or a lock per slot as the heartbeat has: the scheduler keeps
// the next run as one job in Redis, and BullMQ adds the one after it when a worker takes it
// (https://docs.bullmq.io/guide/job-schedulers), so however many worker processes run, one of them reconciles per
// period and no process keeps state the others need. A run that outlasts its period does not overlap the next one
// of the same org: each run also holds the org's lock (run-state.ts takeRunLock), which the command line takes too.

/**
 * Scheduled runs read only what changed since the last one, and every open issue once a day: that full run also finds
 * forwarded findings Snyk stopped listing without marking them resolved, at ⌈issues/100⌉ requests.
 */
export const FULL_RUN_EVERY_MS = 24 * 3600_000;

/** The scheduler's id: upserted by every worker process with the schedule on, so the last configuration wins. */
export const RECONCILE_SCHEDULER = 'reconcile-orgs';

export interface ReconcileScheduleOptions {
  connection: ConnectionOptions;
  config: Readonly<Config>;
  token: string;
  counters: Counters | undefined;
  logger: Logger;
  /** Test seams of the REST client (clock, sleep, pace). */
  rest?: Partial<SnykRestClientOptions>;
  settleMs?: number;
}

export interface ReconcileSchedule {
  /** Summaries of the runs this process made, newest last (at most 100). */
  readonly runs: readonly ReconcileSummary[];
  close(graceMs: number): Promise<void>;
}

export async function startReconcileSchedule(options: ReconcileScheduleOptions): Promise<ReconcileSchedule> {
  const { connection, config, counters, logger } = options;
  const { everyMinutes, orgs } = config.snyk.reconcile;
  const prefix = config.redis.prefix;
  if (counters !== undefined) declareReconcileSeries(counters, orgs);
  const rest = createSnykRestClient({
    apiUrl: config.snyk.apiUrl,
    token: options.token,
    onWait: (ms, reason) => logger.info(`Reconciliation waits ${Math.ceil(ms / 1000)} s: ${reason}.`),
    ...options.rest,
  });
  const emitter = createRecordEmitter({ connection, config });
  const queue = new Queue(RECONCILE_QUEUE, { connection, prefix: queuePrefix(prefix, RECONCILE_QUEUE) });
  queue.on('error', clientErrorListener('reconcile_queue'));
  const runs: ReconcileSummary[] = [];

  async function reconcileAll(): Promise<void> {
    const redis = await queue.backend.client;
    for (const org of orgs) {
      try {
        const summary = await reconcileOrg({
          org,
          rest,
          redis,
          prefix,
          emitter,
          logger,
          settleMs: options.settleMs,
          fullEveryMs: FULL_RUN_EVERY_MS,
        });
        runs.push(summary);
        if (runs.length > 100) runs.shift();
        counters?.increment('reconcile_runs_total', { org, result: 'success' });
        counters?.increment(
          'reconcile_missing_total',
          { org, action: 'issue_introduced' },
          summary.introduced,
        );
        counters?.increment('reconcile_missing_total', { org, action: 'issue_resolved' }, summary.resolved);
        counters?.set('reconcile_last_success_timestamp_seconds', { org }, Date.now() / 1000);
        const missing = summary.introduced + summary.resolved;
        const line =
          missing > 0
            ? `Reconciliation found ${missing} findings no webhook delivered (a delivery was lost upstream) and queued them.`
            : 'Reconciliation found nothing missing.';
        if (missing > 0) logger.warn(line, { ...summary });
        else logger.info(line, { ...summary });
      } catch (error) {
        const busy = error instanceof ReconcileBusyError;
        counters?.increment('reconcile_runs_total', { org, result: busy ? 'busy' : 'failure' });
        // The client's errors are one line each and never hold the token; the next run resumes from the cursor.
        const message = error instanceof SnykApiError || busy ? (error as Error).message : String(error);
        logger.warn(`Reconciliation of org ${org} did not complete: ${message}`, { org });
      }
    }
  }

  await queue.upsertJobScheduler(
    RECONCILE_SCHEDULER,
    { every: Math.round(everyMinutes * 60_000) },
    { name: 'reconcile', data: {}, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  const worker = new Worker(RECONCILE_QUEUE, reconcileAll, {
    connection,
    prefix: queuePrefix(prefix, RECONCILE_QUEUE),
    concurrency: 1,
  });
  worker.on('error', clientErrorListener('reconcile_queue'));
  logger.info('Reconciliation schedule started.', { orgs, everyMinutes });
  return {
    runs,
    async close(graceMs) {
      await closeWithin(worker, graceMs);
      await closeWithin(queue, 1000);
      await emitter.close();
      rest.close();
    },
  };
}
