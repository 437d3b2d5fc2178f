// Finds the Redis the daemon uses, for CLI commands: the configured one, else the running embedded server, never a new one.
import type { Logger } from 'winston';
import type { Config } from '../config/schema.js';
import { openEmbeddedRedis } from './embedded.js';
import { configuredEndpoint, type RedisEndpoint } from './endpoint.js';

export interface AdminRedis {
  endpoint: RedisEndpoint;
  close(): Promise<void>;
}

/**
 * read: attach to a configured Redis or to the embedded server of a running forwarder; with neither, fail and say
 * where we looked (a read-only command must never create state). write: the same, but when the forwarder is stopped
 * and its data directory holds queue data, open that data with a short-lived embedded server.
 */
export async function openAdminRedis(
  config: Readonly<Config>,
  logger: Logger,
  access: 'read' | 'write' = 'read',
): Promise<AdminRedis> {
  const configured = configuredEndpoint(config.redis);
  if (configured) return { endpoint: configured, close: async () => undefined };
  const embedded = await openEmbeddedRedis({
    dataDir: config.dataDir,
    logger,
    mode: access === 'read' ? 'attach' : 'serve-existing',
    attachTimeoutMs: 5000,
  });
  return {
    endpoint: { kind: 'single', url: embedded.url },
    close: async () => {
      await embedded.stop();
    },
  };
}
