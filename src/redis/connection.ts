// ioredis clients for the two roles: the receiver's fails fast (503 instead of a hung request), the workers' waits.
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { TlsConfig } from '../net/tls.js';
import { buildTlsOptions } from '../net/tls.js';

/** Options for BullMQ workers: blocking commands, retries forever, never gives up a command during an outage. */
export function workerConnectionOptions(url: string, tlsConfig?: TlsConfig): BullRedisOptions {
  const { host, port, username, password, db, tls } = parseRedisUrl(url, tlsConfig);
  // With an options object BullMQ 6 forces `null` only on the blocking connection (Worker.createBackend), so set it here.
  return { host, port, username, password, db, tls, maxRetriesPerRequest: null, enableReadyCheck: true };
}

/**
 * The producer client. `enableOfflineQueue: false` rejects at once while Redis is known to be down, and
 * `commandTimeout` bounds a command written before ioredis noticed the drop (BullMQ guide, "Failing fast when Redis is down").
 */
export function createProducerClient(url: string, commandTimeoutMs: number, tls?: TlsConfig): Redis {
  return new Redis({
    ...parseRedisUrl(url, tls),
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
export function createLinkClient(url: string, tls?: TlsConfig): Redis {
  return new Redis({
    ...parseRedisUrl(url, tls),
    enableOfflineQueue: false,
    // A PING to a hung Redis is dropped rather than kept until the connection closes.
    commandTimeout: 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 4), 1000),
  });
}

/** `host:port` of a Redis URL (`[host]:port` for IPv6), for log lines: never the user name or the password. */
export function redisAddress(url: string): string {
  const { host = '127.0.0.1', port = 6379 } = parseRedisUrl(url);
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A short-lived client for start-up checks. */
export function createAdminClient(url: string, tls?: TlsConfig): Redis {
  // One try, bounded: a start-up check must report, not wait for Redis.
  return new Redis({
    ...parseRedisUrl(url, tls),
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
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
