// ioredis clients for the two roles: the receiver's fails fast (503 instead of a hung request), the workers' waits.
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { TlsConfig } from '../net/tls.js';
import { buildTlsOptions } from '../net/tls.js';
import { CLUSTER_NODES, clusterOptions, useClusterConnections } from './cluster-connections.js';
import { asEndpoint, type HostPort, type RedisEndpoint } from './endpoint.js';

/** A client of any endpoint: one server, a master behind Sentinel, or a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * Options for BullMQ workers: blocking commands, retries forever, never gives up a command during an outage. Plain
 * data, so that they cross into the fan-out threads; a Cluster is described by CLUSTER_NODES and built by the
 * client factory of cluster-connections.ts, which this installs.
 */
export function workerConnectionOptions(
  endpoint: RedisEndpoint | string,
  tlsConfig?: TlsConfig,
): BullRedisOptions {
  const target = asEndpoint(endpoint, tlsConfig);
  // With an options object BullMQ 6 forces `null` only on the blocking connection (Worker.createBackend), so set it here.
  const waiting = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (target.kind === 'single') {
    const { host, port, username, password, db, tls } = parseRedisUrl(target.url, target.tls);
    return { host, port, username, password, db, tls, ...waiting };
  }
  // ioredis's own option types are narrower than BullMQ's copy of them; the values are the same plain data.
  if (target.kind === 'sentinel') return { ...sentinelOptions(target), ...waiting } as BullRedisOptions;
  useClusterConnections();
  return { [CLUSTER_NODES]: target.nodes, ...nodeOptions(target), ...waiting } as BullRedisOptions;
}

/**
 * The producer client. `enableOfflineQueue: false` rejects at once while Redis is known to be down, and
 * `commandTimeout` bounds a command written before ioredis noticed the drop (BullMQ guide, "Failing fast when Redis is down").
 */
export function createProducerClient(
  endpoint: RedisEndpoint | string,
  commandTimeoutMs: number,
  tls?: TlsConfig,
): RedisClient {
  return createClient(asEndpoint(endpoint, tls), {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
}

/**
 * The link connection: it only watches whether Redis answers (telemetry/redis-link-log.ts). Like the producer it fails
 * fast while Redis is down, and it tries to reconnect every second at most, so that a Redis that is back is noticed.
 */
export function createLinkClient(endpoint: RedisEndpoint | string, tls?: TlsConfig): RedisClient {
  return createClient(asEndpoint(endpoint, tls), {
    enableOfflineQueue: false,
    // A PING to a hung Redis is dropped rather than kept until the connection closes.
    commandTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 4), 1000),
  });
}

/**
 * Where Redis is, for log lines: `host:port` of a URL (`[host]:port` for IPv6), the seed nodes of a Cluster, the
 * master name and sentinels of Sentinel; never a user name or a password.
 */
export function redisAddress(endpoint: RedisEndpoint | string): string {
  const target = asEndpoint(endpoint);
  const show = ({ host, port }: HostPort) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (target.kind === 'cluster') return `cluster ${target.nodes.map(show).join(',')}`;
  if (target.kind === 'sentinel') return `sentinel ${target.name} at ${target.sentinels.map(show).join(',')}`;
  const { host = '127.0.0.1', port = 6379 } = parseRedisUrl(target.url);
  return show({ host, port });
}

/** A short-lived client for start-up checks. */
export function createAdminClient(endpoint: RedisEndpoint | string, tls?: TlsConfig): RedisClient {
  // One try, bounded: a start-up check must report, not wait for Redis.
  return createClient(asEndpoint(endpoint, tls), {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
}

/** One client of the endpoint with these connection options (for a Cluster: of each node, and of the Cluster). */
function createClient(endpoint: RedisEndpoint, options: RedisOptions): RedisClient {
  if (endpoint.kind === 'single')
    return new Redis({ ...parseRedisUrl(endpoint.url, endpoint.tls), ...options });
  if (endpoint.kind === 'sentinel') return new Redis({ ...sentinelOptions(endpoint), ...options });
  return new Cluster(endpoint.nodes, clusterOptions({ ...nodeOptions(endpoint), ...options }));
}

/** TLS of Cluster nodes and sentinels: each connection verifies its own host, unless a servername is configured. */
function multiHostTls(tls: TlsConfig): RedisOptions['tls'] {
  // buildTlsOptions takes tls.servername when there is one; with none, 127.0.0.1 is an address and sets no name.
  return buildTlsOptions(tls, '127.0.0.1');
}

/** User, password and TLS of the data nodes. */
function nodeOptions(endpoint: Exclude<RedisEndpoint, { kind: 'single' }>): RedisOptions {
  const options: RedisOptions = {};
  if (endpoint.username !== undefined) options.username = endpoint.username;
  if (endpoint.password !== undefined) options.password = endpoint.password;
  if (endpoint.tls !== undefined) options.tls = multiHostTls(endpoint.tls);
  return options;
}

/**
 * ioredis Sentinel options: the master is asked of the sentinels, and `failoverDetector` subscribes to their
 * `+switch-master` so that every connection moves to the new master at once rather than at its next error
 * (ioredis README, "Sentinel"). With TLS, the sentinels are reached over TLS too (`enableTLSForSentinelMode`).
 */
function sentinelOptions(endpoint: Extract<RedisEndpoint, { kind: 'sentinel' }>): RedisOptions {
  const options: RedisOptions = {
    ...nodeOptions(endpoint),
    sentinels: endpoint.sentinels,
    name: endpoint.name,
    failoverDetector: true,
  };
  if (endpoint.sentinelPassword !== undefined) options.sentinelPassword = endpoint.sentinelPassword;
  if (options.tls !== undefined) {
    options.sentinelTLS = options.tls;
    options.enableTLSForSentinelMode = true;
  }
  return options;
}

/**
 * Splits a redis:// or rediss:// URL into ioredis options. rediss:// gets the same TLS options as every target:
 * verification on, TLS 1.2 minimum, and the `redis.tls` CA and client certificate when configured.
 *
 * Throws an Error that says what is wrong for a URL it cannot use; the message never repeats the URL, which may hold
 * a password. The configuration schema checks `redis.url` with this same function (checkRedisUrl), so a URL that
 * `validate` accepts is one that `start` can connect with.
 */
export function parseRedisUrl(url: string, tls?: TlsConfig): RedisOptions {
  if (!/^rediss?:\/\//.test(url)) throw new Error('must start with redis:// or rediss://');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]/]*\]|[^:/]*):(\d+)(?:[/?#]|$)/.exec(url)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new Error('port must be between 1 and 65535');
    throw new Error(
      'is not a valid URL; write redis://[user:password@]host[:port][/db], percent-encoding "@", "/" and "#" in the password',
    );
  }
  // WHATWG URL refuses ports above 65535; port 0 parses but no server listens on it.
  if (parsed.port === '0') throw new Error('port must be between 1 and 65535');
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  const decode = (part: string, what: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new Error(`the ${what} is not valid percent-encoding; write "%" as %25`);
    }
  };
  if (parsed.username) options.username = decode(parsed.username, 'user name');
  if (parsed.password) options.password = decode(parsed.password, 'password');
  const db = parsed.pathname.replace(/^\//, '');
  if (db) {
    // The path is the database number (redis-cli -u, ioredis): digits only, so "/abc" cannot become NaN.
    if (!/^\d{1,9}$/.test(db)) throw new Error('the path must be a database number such as /0, or nothing');
    options.db = Number(db);
  }
  if (parsed.protocol === 'rediss:') options.tls = buildTlsOptions(tls, options.host ?? '127.0.0.1');
  return options;
}

/** Why parseRedisUrl cannot use this URL, or undefined when it can. Reads no TLS files. */
export function checkRedisUrl(url: string): string | undefined {
  try {
    parseRedisUrl(url);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
