// Finds the Redis the daemon uses, for CLI commands: REDIS_URL, else the embedded server (started briefly if stopped).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';
import type { Config } from '../config/schema.js';
import { startEmbeddedRedis } from './embedded.js';

export interface AdminRedis {
  url: string;
  close(): Promise<void>;
}

function runningEmbeddedUrl(dataDir: string): string | undefined {
  const dir = join(dataDir, 'redis');
  const conf = join(dir, 'redis.conf');
  const pidFile = join(dir, 'redis.pid');
  if (!existsSync(conf) || !existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const text = readFileSync(conf, 'utf8');
  const port = /^port (\d+)$/m.exec(text)?.[1];
  const password = /^requirepass (\S+)$/m.exec(text)?.[1];
  return port && password ? `redis://:${password}@127.0.0.1:${port}` : undefined;
}

export async function openAdminRedis(config: Readonly<Config>, logger: Logger): Promise<AdminRedis> {
  if (config.redis.url) return { url: config.redis.url, close: async () => undefined };
  const running = runningEmbeddedUrl(config.dataDir);
  if (running) return { url: running, close: async () => undefined };
  // The forwarder is stopped: open its queue data with a short-lived embedded server.
  const embedded = await startEmbeddedRedis(config.dataDir, logger);
  return { url: embedded.url, close: () => embedded.stop() };
}
