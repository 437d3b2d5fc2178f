// The worker side of one process: the ingest worker and one target worker per target, rebuilt in place on reload.
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'winston';
import type { Config } from '../config/schema.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { Target } from '../targets/types.js';
import { buildTarget } from '../targets/registry.js';
import { createTargetWorker } from '../workers/target-worker.js';
import { createIngestWorker } from '../workers/ingest-worker.js';
import type { Counters } from '../telemetry/counters.js';
import { declareTargetSeries, forgetTargetSeries } from '../telemetry/series.js';
import type { ReloadPlan } from './reload-plan.js';
import { connected, ping, probeWithin, type ProbeResult } from './readiness.js';
import { settlesWithin } from './close-within.js';
import { stuckConnectionTracker, STUCK_AFTER_MS } from './stuck-connections.js';
import { waitingJobsNobodyTakes } from './idle-queue.js';

type DeliveryWorker = ReturnType<typeof createTargetWorker>;
type IngestWorker = ReturnType<typeof createIngestWorker>;

interface Running {
  config: TargetConfig;
  target: Target;
  delivery: DeliveryWorker;
}

export interface PipelineWorkersOptions {
  connection: ConnectionOptions;
  config: Readonly<Config>;
  counters: Counters;
  logger: Logger;
  /**
   * Whether Redis answers on a connection of the process that is not a worker's (the daemon's link connection);
   * unset: each worker's own command connection is asked, so only a stuck blocking connection is noticed.
   */
  redisAnswers?: () => Promise<boolean>;
  /**
   * How often connections are looked at, how long a worker's may stay down (stuck-connections.ts), and how long its
   * queue may have waiting jobs and none active (idle-queue.ts).
   */
  watch?: { everyMs: number; stuckAfterMs: number; idleAfterMs?: number };
}

export interface PipelineWorkers {
  /** Applies a reload plan: targets added, changed or removed, retry policy. Jobs wait in Redis meanwhile. */
  apply(next: Readonly<Config>, plan: ReloadPlan): Promise<void>;
  /** One probe per worker connection: a PING round trip on its command connection, the state of its blocking one. */
  probe(timeoutMs: number): Promise<ProbeResult[]>;
  /** Lets active jobs finish within the grace period; true when every worker and target closed in time. */
  close(graceMs: number): Promise<boolean>;
}

/** How often each worker's connections and queue are looked at (stuck-connections.ts, idle-queue.ts). */
const WATCH_MS = 5_000;
/**
 * How long jobs may wait with none active before the worker is rebuilt: a fetching worker takes them within its
 * drain delay (5 s), so four times that is no false alarm, and records wait no more than about half a minute.
 */
const IDLE_AFTER_MS = 20_000;

/** Builds every target or none: a target that cannot be built leaves the ones already built closed. */
function buildAll(configs: readonly TargetConfig[], logger: Logger): Map<string, Target> {
  const built = new Map<string, Target>();
  try {
    for (const config of configs) built.set(config.name, buildTarget(config, { logger }));
  } catch (error) {
    for (const target of built.values()) void target.close().catch(() => undefined);
    throw error;
  }
  return built;
}

export function startPipelineWorkers(options: PipelineWorkersOptions): PipelineWorkers {
  const { connection, counters, logger } = options;
  let config = options.config;
  const running = new Map<string, Running>();

  function startDelivery(targetConfig: TargetConfig, target: Target): void {
    const delivery = createTargetWorker({
      connection,
      prefix: config.redis.prefix,
      config: targetConfig,
      target,
      retry: config.retry,
      workers: config.workers,
      counters,
      logger,
    });
    running.set(targetConfig.name, { config: targetConfig, target, delivery });
  }

  function startIngest(): IngestWorker {
    return createIngestWorker({
      connection,
      prefix: config.redis.prefix,
      concurrency: config.workers.ingestConcurrency,
      targets: config.targets,
      retry: config.retry,
      keepCompleted: config.workers.keepCompleted,
      workers: config.workers,
      logger,
      counters,
    });
  }

  async function stopDelivery(name: string, graceMs: number): Promise<boolean> {
    const entry = running.get(name);
    if (!entry) return true;
    running.delete(name);
    await entry.delivery.close(graceMs);
    return settlesWithin(entry.target.close(), 5000);
  }

  // The series of each target this process delivers to exist from the start (at 0, target_up at 1).
  for (const target of config.targets) declareTargetSeries(counters, target.name);
  const initial = buildAll(config.targets, logger);
  for (const targetConfig of config.targets)
    startDelivery(targetConfig, initial.get(targetConfig.name) as Target);
  let ingest = startIngest();

  /** Every worker of the process by its probe name: `ingest`, `target-<name>`. */
  function workersByName(): Array<{
    name: string;
    worker: IngestWorker['worker'] | DeliveryWorker['worker'];
    backend: IngestWorker['worker']['backend'];
  }> {
    return [
      { name: 'ingest', worker: ingest.worker, backend: ingest.worker.backend },
      ...[...running.values()].map((entry) => ({
        name: `target-${entry.config.name}`,
        worker: entry.delivery.worker,
        backend: entry.delivery.worker.backend,
      })),
    ];
  }

  // A worker whose connections stay down while Redis answers the process would wait for jobs forever, and only report
  // not ready; it is rebuilt in place with new connections (its jobs wait in Redis meanwhile). A reload or a stop in
  // progress owns the workers: one change at a time, and the watch skips its round while one runs.
  const watchEvery = options.watch?.everyMs ?? WATCH_MS;
  const stuckAfterMs = options.watch?.stuckAfterMs ?? STUCK_AFTER_MS;
  const stuck = stuckConnectionTracker(stuckAfterMs);
  // A worker whose connections all look ready can still have stopped fetching: jobs then wait with none active.
  const idleAfterMs = options.watch?.idleAfterMs ?? IDLE_AFTER_MS;
  const idle = stuckConnectionTracker(idleAfterMs);
  let changing = false;
  let turn: Promise<unknown> = Promise.resolve();
  function exclusive(change: () => Promise<void>): Promise<void> {
    const run = turn.then(async () => {
      changing = true;
      try {
        await change();
      } finally {
        changing = false;
      }
    });
    turn = run.catch(() => undefined);
    return run;
  }
  async function restartWorker(name: string): Promise<void> {
    const grace = config.workers.shutdownGraceMs;
    if (name === 'ingest') {
      await ingest.close(grace);
      ingest = startIngest();
      return;
    }
    const entry = [...running.values()].find((candidate) => `target-${candidate.config.name}` === name);
    if (!entry) return;
    await entry.delivery.close(grace);
    startDelivery(entry.config, entry.target);
  }
  async function watchConnections(): Promise<void> {
    const workers = workersByName();
    stuck.keepOnly(workers.map((entry) => entry.name));
    idle.keepOnly(workers.map((entry) => entry.name));
    // The process's own view of Redis, once a round for every worker.
    const redisAnswers = await options.redisAnswers?.().catch(() => false);
    for (const { name, worker, backend } of workers) {
      if (changing) continue;
      const [command, blocking, unserved] = await Promise.all([
        probeWithin(name, async () => ping(await backend.client), 2000),
        probeWithin(name, async () => connected(await backend.blockingClient), 2000),
        waitingJobsNobodyTakes(worker).catch(() => undefined),
      ]);
      const seen = { redisAnswers: redisAnswers ?? command.ok, workerReady: command.ok && blocking.ok };
      if (stuck.observe(name, seen)) {
        logger.warn("A worker's connections stayed down while Redis answered; restarting that worker.", {
          worker: name,
          downForMs: stuckAfterMs,
          detail: command.ok ? blocking.detail : command.detail,
        });
        await exclusive(() => restartWorker(name));
        continue;
      }
      // Only a definite answer counts: a queue that could not be read says nothing about the worker.
      if (unserved === undefined || !idle.observe(name, { redisAnswers: true, workerReady: !unserved }))
        continue;
      logger.warn('Jobs waited with none active while this worker was ready; restarting that worker.', {
        worker: name,
        idleForMs: idleAfterMs,
      });
      await exclusive(() => restartWorker(name));
    }
  }
  const watch = setInterval(() => {
    if (!changing) void watchConnections().catch(() => undefined);
  }, watchEvery);
  watch.unref();

  return {
    apply(next, plan) {
      return exclusive(() => applyPlan(next, plan));
    },
    async probe(timeoutMs) {
      return Promise.all(
        workersByName().map(({ name, backend }) =>
          probeWithin(
            `worker ${name}`,
            async () => {
              await ping(await backend.client);
              connected(await backend.blockingClient);
            },
            timeoutMs,
          ),
        ),
      );
    },
    async close(graceMs) {
      clearInterval(watch);
      changing = true;
      // All at once, so the whole stop fits in one grace period: jobs the ingest worker still adds simply wait
      // in their target's queue for the next start.
      const entries = [...running.values()];
      await Promise.all([ingest.close(graceMs), ...entries.map((entry) => entry.delivery.close(graceMs))]);
      const closed = await Promise.all(entries.map((entry) => settlesWithin(entry.target.close(), 5000)));
      running.clear();
      return closed.every(Boolean);
    },
  };

  async function applyPlan(next: Readonly<Config>, plan: ReloadPlan): Promise<void> {
    // Retry settings live in each worker's backoff strategy and in the job options the ingest worker adds.
    const rebuild = plan.retryChanged ? [...plan.changed, ...plan.unchanged] : plan.changed;
    const fresh = buildAll([...plan.added, ...rebuild], logger);
    const grace = next.workers.shutdownGraceMs;
    // Fan-out stops first, so no target job is added for a target that is being replaced; the ingest jobs that
    // arrive meanwhile wait in Redis. Each closing worker finishes its active jobs: nothing is sent twice.
    await ingest.close(grace);
    await Promise.all([...plan.removed, ...rebuild].map((target) => stopDelivery(target.name, grace)));
    config = next;
    for (const target of plan.removed) forgetTargetSeries(counters, target.name);
    for (const target of plan.added) declareTargetSeries(counters, target.name);
    for (const target of [...plan.added, ...rebuild]) startDelivery(target, fresh.get(target.name) as Target);
    ingest = startIngest();
  }
}
