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
}

export interface PipelineWorkers {
  /** Applies a reload plan: targets added, changed or removed, retry policy. Jobs wait in Redis meanwhile. */
  apply(next: Readonly<Config>, plan: ReloadPlan): Promise<void>;
  /** One probe per worker connection: a PING round trip on its command connection, the state of its blocking one. */
  probe(timeoutMs: number): Promise<ProbeResult[]>;
  /** Lets active jobs finish within the grace period; true when every worker and target closed in time. */
  close(graceMs: number): Promise<boolean>;
}

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

  return {
    async apply(next, plan) {
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
      for (const target of [...plan.added, ...rebuild])
        startDelivery(target, fresh.get(target.name) as Target);
      ingest = startIngest();
    },
    async probe(timeoutMs) {
      const workers = [
        { name: 'ingest', worker: ingest.worker },
        ...[...running.values()].map((entry) => ({
          name: `target-${entry.config.name}`,
          worker: entry.delivery.worker,
        })),
      ];
      return Promise.all(
        workers.map(({ name, worker }) =>
          probeWithin(
            `worker ${name}`,
            async () => {
              await ping(await worker.backend.client);
              connected(await worker.backend.blockingClient);
            },
            timeoutMs,
          ),
        ),
      );
    },
    async close(graceMs) {
      // All at once, so the whole stop fits in one grace period: jobs the ingest worker still adds simply wait
      // in their target's queue for the next start.
      const entries = [...running.values()];
      await Promise.all([ingest.close(graceMs), ...entries.map((entry) => entry.delivery.close(graceMs))]);
      const closed = await Promise.all(entries.map((entry) => settlesWithin(entry.target.close(), 5000)));
      running.clear();
      return closed.every(Boolean);
    },
  };
}
