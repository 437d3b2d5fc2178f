// The admin listener of every role: its own Redis client and queues, the dashboard, the scrape, and its HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import type { Logger } from 'winston';
import type { AdminConfig, RedisConfig } from '../config/schema.js';
import { StartupError } from '../errors.js';
import type { ProbeSources } from '../lifecycle/probe-answers.js';
import { closeWithin } from '../lifecycle/close-within.js';
import { waitForReady } from '../lifecycle/readiness.js';
import { INGEST_QUEUE, targetQueueName, queuePrefix } from '../queue/names.js';
import { cachedQueueStats, readQueueStats } from '../queue/queue-stats.js';
import { closeServer } from '../receiver/server.js';
import { createProducerClient } from '../redis/connection.js';
import type { RedisEndpoint } from '../redis/endpoint.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import type { Counters } from '../telemetry/counters.js';
import { createAdminApp, DASHBOARD_PATH } from './app.js';
import { createDashboard } from './dashboard.js';
import { createScrape } from './scrape.js';

export interface AdminListenerOptions {
  config: AdminConfig;
  /** The admin token, read at start (admin/token.ts); undefined: no dashboard, and /metrics stays open. */
  token: string | undefined;
  redis: { endpoint: RedisEndpoint } & Pick<RedisConfig, 'prefix' | 'commandTimeoutMs'>;
  targets: readonly string[];
  /** Orgs the heartbeat pings: each gets its own snyk_last_ping_timestamp_seconds series (admin/scrape.ts). */
  snykOrgs?: readonly string[];
  counters: Counters;
  probes: ProbeSources;
  logger: Logger;
}

export interface AdminListener {
  /** http://host:port of the bound listener (port 0 resolved). */
  url: string;
  /** A reload changed the targets: the queue gauges and the dashboard follow. */
  setTargets(targets: readonly string[]): Promise<void>;
  /** Stops accepting, lets requests finish until the deadline, closes the queues and the client. */
  close(graceMs: number): Promise<boolean>;
}

const LISTEN_ERRORS: Readonly<Record<string, (where: string, host: string) => string>> = {
  EADDRINUSE: (where) =>
    `admin listener: ${where} is already in use (EADDRINUSE): set ADMIN_PORT / admin.port to a free port (0 picks one)`,
  EACCES: (where) =>
    `admin listener: not allowed to listen on ${where} (EACCES): use a port above 1023, or grant CAP_NET_BIND_SERVICE`,
  EADDRNOTAVAIL: (_where, host) =>
    `admin listener: ${host} is not an address of this machine (EADDRNOTAVAIL): fix ADMIN_HOST / admin.host`,
};

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      const explain = LISTEN_ERRORS[error.code ?? ''];
      reject(explain ? new StartupError('listen_failed', explain(`${host}:${port}`, host)) : error);
    });
    server.listen(port, host);
  });
}

export async function startAdminListener(options: AdminListenerOptions): Promise<AdminListener> {
  const { config, token, redis, counters, logger } = options;
  // Fails fast while Redis is down (a scrape must answer within Prometheus' timeout), reconnects by itself.
  const client = createProducerClient(redis.endpoint, redis.commandTimeoutMs);
  client.on('error', clientErrorListener('admin_redis'));
  // The first scrapes should find it connected; with Redis down the scrape answers redis_up 0 until it is.
  await waitForReady(client, 3000);
  let targets = [...options.targets];
  const queues = new Map<string, Queue>();
  let dashboard: ReturnType<typeof createDashboard>;

  /** Opens the queues of the current targets on the shared client, closes the others, and rebuilds the dashboard. */
  async function openQueues(): Promise<void> {
    const wanted = [INGEST_QUEUE, ...targets.map(targetQueueName)];
    for (const name of wanted) {
      if (queues.has(name)) continue;
      // As the receiver's producer: on a shared client that fails fast, recovering when Redis returns.
      const queue = new Queue(name, {
        connection: client,
        prefix: queuePrefix(redis.prefix, name),
        skipWaitingForReady: true,
        skipVersionCheck: true,
      });
      queue.on('error', clientErrorListener('admin_redis'));
      queues.set(name, queue);
    }
    const gone = [...queues.keys()].filter((name) => !wanted.includes(name));
    await Promise.all(gone.map((name) => closeWithin(queues.get(name) as Queue, 2000)));
    for (const name of gone) queues.delete(name);
    dashboard = createDashboard({
      queues: wanted.map((name) => queues.get(name) as Queue),
      token,
      readOnly: config.dashboard.readOnly,
      basePath: DASHBOARD_PATH,
      logger,
    });
  }

  await openQueues();
  const stats = cachedQueueStats(() => readQueueStats(client, redis.prefix, targets));
  const app = createAdminApp({
    ...options.probes,
    scrape: createScrape({ counters, stats, logger, heartbeatOrgs: options.snykOrgs ?? [] }),
    dashboard: () => dashboard?.middleware,
    metricsToken: config.metrics.requireToken ? token : undefined,
    logger,
  });
  const server = createServer(app.callback());
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await Promise.all([...queues.values()].map((queue) => closeWithin(queue, 1000)));
    client.disconnect();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
  logger.info('Admin listener listening.', {
    url,
    metrics: `${url}/metrics`,
    dashboard: dashboard ? `${url}${DASHBOARD_PATH}` : 'off (no admin token)',
  });

  return {
    url,
    async setTargets(next) {
      targets = [...next];
      await openQueues();
    },
    async close(graceMs) {
      const drained = await closeServer(server, graceMs);
      await Promise.all([...queues.values()].map((queue) => closeWithin(queue, 2000)));
      client.disconnect();
      return drained;
    },
  };
}
