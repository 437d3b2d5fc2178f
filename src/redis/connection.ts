// ioredis clients for the two roles: the receiver's fails fast (503 instead of a hung request), the workers' waits.
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { TlsConfig } from '../targets/common-config.js';
import { buildTlsOptions } from '../targets/shared/tls-options.js';

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
 */
export function parseRedisUrl(url: string, tls?: TlsConfig): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = buildTlsOptions(tls, options.host ?? '127.0.0.1');
  return options;
}
