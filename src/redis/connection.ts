// ioredis clients for the two roles: the receiver's fails fast (503 instead of a hung request), the workers' waits.
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Options for BullMQ workers: blocking commands, retries forever, never gives up a command during an outage. */
export function workerConnectionOptions(url: string): BullRedisOptions {
  const { host, port, username, password, db, tls } = parseRedisUrl(url);
  // bullmq-koa.md §5: with an options object BullMQ forces `null` only on the blocking connection, so set it here.
  return { host, port, username, password, db, tls, maxRetriesPerRequest: null, enableReadyCheck: true };
}

/**
 * The producer client. `enableOfflineQueue: false` rejects at once while Redis is known to be down, and
 * `commandTimeout` bounds a command written before ioredis noticed the drop (bullmq-koa.md §6.1).
 */
export function createProducerClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis({
    ...parseRedisUrl(url),
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
}

/** A short-lived client for checks and the CLI. */
export function createAdminClient(url: string): Redis {
  return new Redis({ ...parseRedisUrl(url), maxRetriesPerRequest: 2, lazyConnect: true });
}

/** Splits a redis:// or rediss:// URL into ioredis options (TLS turned on for rediss://). */
export function parseRedisUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = { servername: options.host, minVersion: 'TLSv1.2' };
  return options;
}
