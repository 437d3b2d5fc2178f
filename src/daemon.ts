// Starts the forwarder: Redis (embedded or configured), receiver and/or workers, admin listener; reloads, probes, stops.
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'winston';
import { LOG_LEVELS, type Config } from './config/schema.js';
import { openEmbeddedRedis, type EmbeddedRedis } from './redis/embedded.js';
import {
  createAdminClient,
  createLinkClient,
  createProducerClient,
  redisAddress,
  workerConnectionOptions,
  type RedisClient,
} from './redis/connection.js';
import { configuredEndpoint, type RedisEndpoint } from './redis/endpoint.js';
import { inspectRedis, warnAboutRedis } from './redis/check.js';
import { createIngestProducer } from './queue/ingest-producer.js';
import { createReceiverApp } from './receiver/app.js';
import { closeServer, startReceiverServer } from './receiver/server.js';
import { createRejectLog } from './receiver/reject-log.js';
import { ensureGeneratedSecret } from './receiver/secret-file.js';
import { startPipelineWorkers, type PipelineWorkers } from './lifecycle/pipeline-workers.js';
import { isNoop, planReload } from './lifecycle/reload-plan.js';
import { ping, probeWithin, waitForReady, type ProbeResult } from './lifecycle/readiness.js';
import { settlesWithin } from './lifecycle/close-within.js';
import { attachClientErrors, clientErrorListener } from './telemetry/client-errors.js';
import { Counters } from './telemetry/counters.js';
import { watchRedisLink } from './telemetry/redis-link-log.js';
import { secrets as secretRegistry } from './telemetry/logger.js';
import { declareProcessSeries, declareReceiverSeries } from './telemetry/series.js';
import { startAdminListener, type AdminListener } from './admin/listener.js';
import { adminToken } from './admin/token.js';
import { createSnykClient } from './snyk/client.js';
import { startHeartbeat } from './snyk/heartbeat.js';
import { startReconcileSchedule } from './reconcile/schedule.js';
import { recordPing } from './snyk/ping-store.js';
import { snykToken } from './snyk/token.js';

export type Role = 'all' | 'receiver' | 'worker';

export interface Health {
  ok: boolean;
  reason?: string | undefined;
}

export interface Readiness {
  ready: boolean;
  checks: ProbeResult[];
}

export type ReloadOutcome =
  | { status: 'applied'; summary: Record<string, unknown> }
  | { status: 'unchanged' }
  | { status: 'refused'; reason: string };

export interface StopReport {
  /** True when every step finished on its own within its deadline. */
  clean: boolean;
  /** What each step did, in order, e.g. "workers: closed", "embedded redis-server: killed". */
  steps: string[];
}

export interface Daemon {
  /** Base URL of the receiver, when this process runs one. */
  receiverUrl: string | undefined;
  /** Base URL of the admin listener (/metrics, /healthz, /readyz, /admin/queues), which every role runs. */
  adminUrl: string;
  /** The Redis URL, or for a Cluster or Sentinel where it is (redisAddress: no password). */
  redisUrl: string;
  /** This daemon's metrics (its own prom-client registry), rendered at the admin listener's /metrics. */
  counters: Counters;
  /** Liveness: false once something this process depends on is gone for good (its embedded Redis could not restart). */
  health(): Health;
  /** Readiness: real round trips to Redis on every connection this process uses, each within a short deadline. */
  ready(): Promise<Readiness>;
  /** Applies a new configuration's live parts (targets, secrets, log level, retry), or refuses and keeps the old one. */
  reload(next: Readonly<Config>): Promise<ReloadOutcome>;
  /** Called once when the process should exit non-zero so that its service manager restarts it. */
  onFatal(listener: (reason: string) => void): void;
  /** Stops in order; `graceMs` overrides workers.shutdownGraceMs (after a fatal error there is nothing to wait for). */
  stop(options?: { graceMs?: number }): Promise<StopReport>;
}

export interface StartOptions {
  config: Readonly<Config>;
  role: Role;
  logger: Logger;
}

/** Deadline of one readiness round trip: shorter than a probe's usual 1 s timeout in Kubernetes and systemd checks. */
const PROBE_TIMEOUT_MS = 800;
/** The whole stop fits in workers.shutdownGraceMs plus this; deploy/systemd's TimeoutStopSec is above both. */
export const STOP_MARGIN_MS = 15_000;

async function resolveRedis(
  config: Readonly<Config>,
  logger: Logger,
): Promise<{ endpoint: RedisEndpoint; embedded?: EmbeddedRedis }> {
  const configured = configuredEndpoint(config.redis);
  if (configured) {
    // A Cluster or Sentinel password is no URL: the log redaction must know it as well.
    for (const secret of [config.redis.password, config.redis.sentinelPassword])
      if (secret !== undefined) secretRegistry.add(secret);
    return { endpoint: configured };
  }
  const embedded = await openEmbeddedRedis({ dataDir: config.dataDir, logger });
  secretRegistry.add(embedded.password);
  return { endpoint: { kind: 'single', url: embedded.url }, embedded };
}

async function checkRedis(endpoint: RedisEndpoint, logger: Logger): Promise<void> {
  const client = createAdminClient(endpoint);
  // A failed connect() is logged below; the events are logged (rate-limited) and counted too.
  client.on('error', clientErrorListener('redis_check'));
  try {
    await client.connect();
    warnAboutRedis(await inspectRedis(client), logger);
  } catch (error) {
    logger.warn('Redis is not reachable yet; the receiver answers 503 until it is.', {
      error: (error as Error).message,
    });
  } finally {
    client.disconnect();
  }
}

/**
 * The accepted secrets: the configured ones, else those of the generated file, which `webhooks rotate` appends to and
 * a reload reads again. `announce` says where they are (never what they are), at start.
 */
function webhookSecrets(config: Readonly<Config>, logger: Logger, announce = true): string[] {
  if (config.receiver.secrets.length > 0) return [...config.receiver.secrets];
  const generated = ensureGeneratedSecret(config.dataDir);
  if (announce)
    logger.info(
      generated.created
        ? `No webhook secret configured; generated one in ${generated.path}. Use it when you create the Snyk webhook.`
        : `No webhook secret configured; using the one generated earlier in ${generated.path}.`,
    );
  return generated.secrets;
}

export async function startDaemon(options: StartOptions): Promise<Daemon> {
  const { role, logger } = options;
  let config = options.config;
  const counters = new Counters({ processMetrics: true });
  declareProcessSeries(counters);
  if (role !== 'worker') declareReceiverSeries(counters);
  // Error events of this process's clients (telemetry/client-errors.ts) reach this daemon's log and counters until it
  // stops, including those of clients created outside it: the log transport, the embedded-Redis probe.
  const clientErrors = attachClientErrors(logger, counters);
  const fatalListeners: Array<(reason: string) => void> = [];
  let fatalReason: string | undefined;
  let shuttingDown = false;
  /** False until startDaemon returns: /readyz answers not ready while it starts. */
  let started = false;
  const stops: Array<{ name: string; run: (deadline: number, graceMs: number) => Promise<string> }> = [];

  for (const secret of config.receiver.secrets) secretRegistry.add(secret);
  const redis = await resolveRedis(config, logger).catch((error: unknown) => {
    clientErrors.detach();
    throw error;
  });
  const embedded = redis.embedded;
  if (embedded) {
    // Stopped last, after every client of it.
    stops.push({
      name: 'embedded redis-server',
      run: async () => {
        const outcome = await embedded.stop();
        return outcome === 'left-to-owner' ? 'left running for the process that owns it' : outcome;
      },
    });
    embedded.onFatal((reason) => {
      fatalReason = reason;
      for (const listener of fatalListeners) listener(reason);
    });
  }
  await checkRedis(redis.endpoint, logger);
  // One "Redis connection lost." and one "regained." line per outage for the whole process (docs/operations.md).
  const linkClient = createLinkClient(redis.endpoint);
  const link = watchRedisLink(linkClient, { logger, address: redisAddress(redis.endpoint) });

  let receiverUrl: string | undefined;
  let admin: AdminListener | undefined;
  let workers: PipelineWorkers | undefined;
  let producerClient: RedisClient | undefined;
  let secrets: string[] = [];

  try {
    if (role !== 'receiver') {
      // Built once: it reads the TLS files of the configuration.
      const connection = workerConnectionOptions(redis.endpoint);
      const pipeline = startPipelineWorkers({
        connection,
        // The link connection is the process's own view of Redis: workers whose connections stay down while it
        // answers are rebuilt (lifecycle/stuck-connections.ts).
        redisAnswers: () =>
          probeWithin('link', () => ping(linkClient), PROBE_TIMEOUT_MS).then((result) => result.ok),
        config,
        counters,
        logger,
      });
      workers = pipeline;
      // Stopped after the receiver and before Redis.
      stops.unshift({
        name: 'workers',
        run: async (_deadline, grace) => {
          const started = Date.now();
          const closed = await pipeline.close(grace);
          const forced = Date.now() - started >= grace;
          if (forced)
            return 'active jobs did not finish within the grace period; they were aborted and will be retried';
          return closed ? 'closed' : 'a target did not close in time';
        },
      });
      logger.info('Workers started.', {
        targets: config.targets.map((t) => `${t.name} (${t.type}, ${t.format})`),
      });
      // Reconciliation with Snyk's REST API: one run per period across the worker processes (docs/reconcile.md).
      if (config.snyk.reconcile.everyMinutes > 0) {
        const token = snykToken(config.snyk) ?? '';
        secretRegistry.add(token);
        const schedule = await startReconcileSchedule({
          connection,
          config,
          token,
          counters,
          logger,
        });
        stops.unshift({
          name: 'reconciliation',
          run: async (_deadline, grace) => {
            await schedule.close(grace);
            return 'stopped';
          },
        });
      }
    }

    if (role !== 'worker') {
      secrets = webhookSecrets(config, logger);
      for (const secret of secrets) secretRegistry.add(secret);
      const client = createProducerClient(redis.endpoint, config.redis.commandTimeoutMs);
      producerClient = client;
      // The receiver answers 503 while the client is not ready; its reconnection errors are logged and counted.
      client.on('error', clientErrorListener('receiver_redis'));
      await waitForReady(client, 5000);
      const producer = createIngestProducer({
        client,
        prefix: config.redis.prefix,
        dedupWindowSeconds: config.receiver.dedupWindowSeconds,
      });
      const rejectLog = createRejectLog(logger, config.receiver.rejectLogPerMinute);
      const app = createReceiverApp({
        rejectLog,
        config: config.receiver,
        secrets: () => secrets,
        producer,
        redisReady: () => client.status === 'ready',
        counters,
        logger,
        shuttingDown: () => shuttingDown,
        health: () => health(),
        readiness: () => ready(),
        notePing: (ping) =>
          void recordPing(client, config.redis.prefix, ping).catch(clientErrorListener('receiver_redis')),
      });
      const listening = await startReceiverServer(app, config.receiver, { logger, counters });
      const address = listening.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      receiverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
      stops.unshift({
        name: 'receiver',
        run: async (deadline) => {
          const drained = await closeServer(
            listening,
            Math.min(config.workers.shutdownGraceMs, 10_000, deadline - Date.now()),
          );
          // The last minute's count of rejections not logged one by one is never lost to a stop.
          rejectLog.flush();
          await producer.close().catch(() => undefined);
          client.disconnect();
          return drained ? 'closed' : 'open requests were cut off at the deadline';
        },
      });
      logger.info('Receiver listening.', { url: `${receiverUrl}${config.receiver.path}` });

      // The heartbeat runs beside a receiver, on its Redis connection; of all the processes, one pings per interval.
      const snyk = config.snyk;
      if (snyk.heartbeatMinutes > 0 && snyk.webhookUrl !== undefined) {
        const token = snykToken(snyk) ?? '';
        secretRegistry.add(token);
        // One attempt per call: on a 429 the next interval tries again, rather than a round waiting on Snyk.
        const snykClient = createSnykClient({ apiUrl: snyk.apiUrl, token, rateLimitAttempts: 1 });
        const heartbeat = startHeartbeat({
          client: snykClient,
          redis: client,
          prefix: config.redis.prefix,
          orgs: snyk.orgs,
          webhookUrl: snyk.webhookUrl,
          intervalMs: snyk.heartbeatMinutes * 60_000,
          logger,
        });
        stops.unshift({
          name: 'heartbeat',
          run: async () => {
            await heartbeat.stop();
            snykClient.close();
            return 'stopped';
          },
        });
      }
    }

    // Last, so that its probes see the rest started; stopped after the receiver and the workers, so that /readyz
    // answers "shutting down" and /metrics is scraped while they drain, and before Redis.
    const listener = await startAdminListener({
      config: config.admin,
      token: adminToken(config.admin),
      redis: {
        endpoint: redis.endpoint,
        prefix: config.redis.prefix,
        commandTimeoutMs: config.redis.commandTimeoutMs,
      },
      targets: config.targets.map((target) => target.name),
      snykOrgs: config.snyk.heartbeatMinutes > 0 ? config.snyk.orgs : [],
      counters,
      probes: { health: () => health(), readiness: () => ready() },
      logger,
    });
    admin = listener;
    stops.splice(embedded ? stops.length - 1 : stops.length, 0, {
      name: 'admin listener',
      run: async (deadline) => {
        const drained = await listener.close(Math.min(2000, deadline - Date.now()));
        return drained ? 'closed' : 'open requests were cut off at the deadline';
      },
    });
  } catch (error) {
    link.stop();
    for (const stop of stops) await stop.run(Date.now() + STOP_MARGIN_MS, 0).catch(() => undefined);
    clientErrors.detach();
    throw error;
  }

  let stopping: Promise<StopReport> | undefined;
  let reloading: Promise<ReloadOutcome> = Promise.resolve({ status: 'unchanged' });

  async function applyReload(next: Readonly<Config>): Promise<ReloadOutcome> {
    if (shuttingDown) return { status: 'refused', reason: 'the forwarder is shutting down' };
    const plan = planReload(config, next);
    if (plan.restartOnly.length > 0) {
      return {
        status: 'refused',
        reason: `these keys only change with a restart: ${plan.restartOnly.join(', ')}; nothing was applied`,
      };
    }
    // The generated secrets file can change without any key changing (`webhooks rotate` appends to it).
    const freshSecrets = role === 'worker' ? secrets : webhookSecrets(next, logger, false);
    const secretsChanged = !isDeepStrictEqual(freshSecrets, secrets);
    if (isNoop(plan) && !secretsChanged) return { status: 'unchanged' };
    if (workers && role !== 'receiver') {
      try {
        await workers.apply(next, plan);
      } catch (error) {
        return { status: 'refused', reason: `a target could not be built: ${(error as Error).message}` };
      }
    }
    // The queue gauges and the dashboard follow the targets; they are no reason to refuse a reload already applied.
    if (admin && (plan.added.length > 0 || plan.removed.length > 0))
      await admin.setTargets(next.targets.map((target) => target.name)).catch((error: unknown) =>
        logger.warn('The admin listener could not open the queues of the new targets.', {
          error: (error as Error).message,
        }),
      );
    if (secretsChanged) {
      for (const secret of freshSecrets) secretRegistry.add(secret);
      secrets = freshSecrets;
    }
    config = next;
    const summary = {
      targetsAdded: plan.added.map((t) => t.name),
      targetsChanged: plan.changed.map((t) => t.name),
      targetsRemoved: plan.removed.map((t) => t.name),
      secretsChanged: plan.secretsChanged || secretsChanged,
      logLevel: next.log.level,
      retryChanged: plan.retryChanged,
    };
    // Logged under the more verbose of the two levels, so that a reload to "warn" still says that it happened.
    const louder =
      LOG_LEVELS.indexOf(next.log.level) > LOG_LEVELS.indexOf(logger.level as (typeof LOG_LEVELS)[number]);
    if (louder) logger.level = next.log.level;
    logger.info('Configuration reloaded.', summary);
    if (plan.removed.length > 0) {
      logger.warn(
        'Removed targets keep their queued jobs in Redis; add the target again to deliver them, or purge them.',
        {
          targets: plan.removed.map((t) => t.name),
        },
      );
    }
    if (plan.logLevelChanged) logger.level = next.log.level;
    return { status: 'applied', summary };
  }

  // Probes can arrive while startDaemon is still starting (the listeners open first), before `daemon` exists: the
  // listeners call these function declarations, never the object.
  function health(): Health {
    if (fatalReason !== undefined) return { ok: false, reason: fatalReason };
    return { ok: true };
  }

  async function ready(): Promise<Readiness> {
    const checks: ProbeResult[] = [];
    if (!started) checks.push({ name: 'process', ok: false, detail: 'starting' });
    if (shuttingDown) checks.push({ name: 'process', ok: false, detail: 'shutting down' });
    if (fatalReason !== undefined)
      checks.push({ name: 'embedded redis-server', ok: false, detail: fatalReason });
    const client = producerClient;
    const probes: Array<Promise<ProbeResult | ProbeResult[]>> = [];
    if (client) probes.push(probeWithin('receiver redis', () => ping(client), PROBE_TIMEOUT_MS));
    if (workers) probes.push(workers.probe(PROBE_TIMEOUT_MS));
    for (const result of await Promise.all(probes)) checks.push(...[result].flat());
    return { ready: checks.every((check) => check.ok), checks };
  }

  const daemon: Daemon = {
    receiverUrl,
    // Set in the try block above, or startDaemon threw.
    adminUrl: (admin as AdminListener).url,
    redisUrl: redis.endpoint.kind === 'single' ? redis.endpoint.url : redisAddress(redis.endpoint),
    counters,
    health,
    ready,
    reload(next) {
      // One reload at a time, in the order the signals came.
      reloading = reloading.then(() => applyReload(next));
      return reloading;
    },
    onFatal(listener) {
      fatalListeners.push(listener);
      if (fatalReason !== undefined) listener(fatalReason);
    },
    stop(options = {}) {
      stopping ??= (async () => {
        shuttingDown = true;
        // First: the clients about to close, and Redis itself if embedded, are no outage.
        link.stop();
        const grace = options.graceMs ?? config.workers.shutdownGraceMs;
        await settlesWithin(reloading, grace);
        const deadline = Date.now() + grace + STOP_MARGIN_MS;
        const steps: string[] = [];
        let clean = true;
        for (const stop of stops) {
          let outcome = 'did not finish before the stop deadline';
          const finished = await settlesWithin(
            stop.run(deadline, grace).then((result) => (outcome = result)),
            Math.max(deadline - Date.now(), 1000),
          );
          if (
            !finished ||
            !['closed', 'stopped', 'left running for the process that owns it'].includes(outcome)
          )
            clean = false;
          steps.push(`${stop.name}: ${outcome}`);
        }
        clientErrors.detach();
        return { clean, steps };
      })();
      return stopping;
    },
  };
  started = true;
  return daemon;
}
