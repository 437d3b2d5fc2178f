// Starts the forwarder: Redis (embedded or configured), the receiver and/or the workers, and stops them in order.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { Config } from './config/schema.js';
import type { TlsConfig } from './targets/common-config.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './redis/embedded.js';
import { createAdminClient, createProducerClient, workerConnectionOptions } from './redis/connection.js';
import { inspectRedis, warnAboutRedis } from './redis/check.js';
import { createIngestProducer } from './queue/ingest-producer.js';
import { createReceiverApp } from './receiver/app.js';
import { ensureGeneratedSecret } from './receiver/secret-file.js';
import { createIngestWorker } from './workers/ingest-worker.js';
import { createDeliveryWorker } from './workers/delivery-worker.js';
import { buildTarget } from './targets/registry.js';
import type { Target } from './targets/types.js';
import { Counters } from './telemetry/counters.js';
import { secrets as secretRegistry } from './telemetry/logger.js';

export type Role = 'all' | 'receiver' | 'worker';

export interface Daemon {
  /** Base URL of the receiver, when this process runs one. */
  receiverUrl: string | undefined;
  redisUrl: string;
  counters: Counters;
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Readonly<Config>;
  role: Role;
  logger: Logger;
}

async function resolveRedis(
  config: Readonly<Config>,
  logger: Logger,
): Promise<{ url: string; tls?: TlsConfig | undefined; embedded?: EmbeddedRedis }> {
  if (config.redis.url) return { url: config.redis.url, tls: config.redis.tls };
  const embedded = await startEmbeddedRedis(config.dataDir, logger);
  secretRegistry.add(embedded.password);
  return { url: embedded.url, embedded };
}

async function checkRedis(url: string, tls: TlsConfig | undefined, logger: Logger): Promise<void> {
  const client = createAdminClient(url, tls);
  client.on('error', () => undefined);
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

function webhookSecrets(config: Readonly<Config>, logger: Logger): string[] {
  if (config.receiver.secrets.length > 0) return [...config.receiver.secrets];
  const generated = ensureGeneratedSecret(config.dataDir);
  // Say where the secret is, never what it is.
  logger.info(
    generated.created
      ? `No webhook secret configured; generated one in ${generated.path}. Use it when you create the Snyk webhook.`
      : `No webhook secret configured; using the one generated earlier in ${generated.path}.`,
  );
  return [generated.secret];
}

export async function startDaemon(options: StartOptions): Promise<Daemon> {
  const { config, role, logger } = options;
  const counters = new Counters();
  const stops: Array<() => Promise<void>> = [];
  let shuttingDown = false;

  for (const secret of config.receiver.secrets) secretRegistry.add(secret);
  const redis = await resolveRedis(config, logger);
  if (redis.embedded) stops.unshift(() => redis.embedded?.stop() ?? Promise.resolve());
  await checkRedis(redis.url, redis.tls, logger);

  let receiverUrl: string | undefined;

  try {
    if (role !== 'receiver') {
      const connection = workerConnectionOptions(redis.url, redis.tls);
      const targets: Target[] = config.targets.map((target) => buildTarget(target, { logger }));
      const delivery = config.targets.map((targetConfig, index) =>
        createDeliveryWorker({
          connection,
          prefix: config.redis.prefix,
          config: targetConfig,
          target: targets[index] as Target,
          retry: config.retry,
          counters,
          logger,
        }),
      );
      const ingest = createIngestWorker({
        connection,
        prefix: config.redis.prefix,
        concurrency: config.workers.ingestConcurrency,
        targets: config.targets,
        retry: config.retry,
        keepCompleted: config.workers.keepCompleted,
        logger,
      });
      // Stopped after the receiver and before Redis.
      stops.unshift(async () => {
        const grace = config.workers.shutdownGraceMs;
        // All at once, so the whole stop fits in one grace period: jobs the ingest worker still adds simply wait
        // in their target's queue for the next start.
        await Promise.all([ingest.close(grace), ...delivery.map((worker) => worker.close(grace))]);
        await Promise.all(targets.map((target) => target.close().catch(() => undefined)));
      });
      logger.info('Workers started.', {
        targets: config.targets.map((t) => `${t.name} (${t.type}, ${t.format})`),
      });
    }

    if (role !== 'worker') {
      const secrets = webhookSecrets(config, logger);
      for (const secret of secrets) secretRegistry.add(secret);
      const client = createProducerClient(redis.url, config.redis.commandTimeoutMs, redis.tls);
      client.on('error', () => undefined);
      await waitForReady(client, 5000);
      const producer = createIngestProducer({
        client,
        prefix: config.redis.prefix,
        dedupWindowSeconds: config.receiver.dedupWindowSeconds,
        keepCompleted: config.workers.keepCompleted,
      });
      const app = createReceiverApp({
        config: config.receiver,
        secrets: () => secrets,
        producer,
        redisReady: () => client.status === 'ready',
        counters,
        logger,
        shuttingDown: () => shuttingDown,
      });
      const listening = app.listen(config.receiver.port, config.receiver.host);
      listening.requestTimeout = config.receiver.requestTimeoutMs;
      listening.headersTimeout = Math.min(config.receiver.requestTimeoutMs, 20_000);
      // Above common load-balancer idle timeouts (60 s), so the balancer closes idle connections first.
      listening.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        listening.once('listening', resolve);
        listening.once('error', reject);
      });
      const address = listening.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      receiverUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
      stops.unshift(async () => {
        await closeServer(listening, config.workers.shutdownGraceMs);
        await producer.close().catch(() => undefined);
        client.disconnect();
      });
      logger.info('Receiver listening.', { url: `${receiverUrl}${config.receiver.path}` });
    }
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    receiverUrl,
    redisUrl: redis.url,
    counters,
    stop() {
      stopping ??= (async () => {
        shuttingDown = true;
        for (const stop of stops) await stop();
      })();
      return stopping;
    },
  };
}

/** Waits until the client is connected, or gives up quietly: readiness stays false until Redis is reachable. */
async function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
  });
}

/** Stops accepting connections, lets in-flight requests finish until the deadline, then drops what is left. */
async function closeServer(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), Math.min(graceMs, 10_000));
  await closed;
  clearTimeout(timer);
}
