// Spawns one redis-server process for the embedded Redis and waits until it answers; no ownership, no supervision.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { StartupError } from '../errors.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import type { EmbeddedPaths } from './embedded-state.js';

export const INSTALL_HINT =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; ' +
  'Fedora: sudo dnf install redis; macOS: brew install redis) or set REDIS_URL to an existing Redis.';

/** Throws the install hint when redis-server is not on PATH, before anything else is started or locked. */
export function requireRedisServer(): void {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir || '.', 'redis-server'), constants.X_OK);
      return;
    } catch {
      // not in this directory
    }
  }
  throw new StartupError('redis_server_missing', INSTALL_HINT);
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The server's configuration: loopback only, a password, AOF everysec, noeviction. */
export function renderRedisConf(paths: EmbeddedPaths, port: number, password: string): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    'protected-mode yes',
    `requirepass ${password}`,
    `dir ${JSON.stringify(paths.dir)}`,
    `pidfile ${JSON.stringify(paths.pidFile)}`,
    `logfile ${JSON.stringify(paths.logFile)}`,
    'daemonize no',
    // Keep the command line as started (it names this configuration file, which is how a later forwarder proves a
    // server is ours before it signals it) and the environment readable in /proc (redis.conf, "set-proc-title").
    'set-proc-title no',
    // BullMQ's production guide: AOF with everysec, and noeviction is the only safe memory policy.
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    'maxmemory-policy noeviction',
    '',
  ].join('\n');
}

/** Answers true once the server answers PING (a large AOF answers LOADING until it is read). */
export async function pingEmbedded(port: number, password: string, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The failed connect() answers false below; the event is logged at debug: a starting server refuses at first.
  client.on('error', clientErrorListener('embedded_redis_probe'));
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '(no log)';
  }
}

/**
 * Writes the configuration (0600: it holds the password, which therefore never shows in `ps`) and starts the server
 * in its own process group with a minimal environment: it inherits neither the daemon's secrets nor a terminal's
 * Ctrl-C, so the daemon alone decides when it stops.
 */
export async function spawnRedisServer(
  paths: EmbeddedPaths,
  port: number,
  password: string,
  readyTimeoutMs = 30_000,
): Promise<ChildProcess> {
  writeFileSync(paths.confFile, renderRedisConf(paths, port, password), { mode: 0o600 });
  const child = spawn('redis-server', [paths.confFile], {
    stdio: 'ignore',
    detached: true,
    env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' },
  });
  const failed = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? new StartupError('redis_server_missing', INSTALL_HINT) : error),
    );
  });
  let spawnError: Error | undefined;
  void failed.then((error) => (spawnError = error));
  const until = Date.now() + readyTimeoutMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    if (spawnError) throw spawnError;
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await pingEmbedded(port, password)) {
      child.unref();
      return child;
    }
  }
  if (spawnError) throw spawnError;
  child.kill('SIGKILL');
  throw new StartupError(
    'redis_unavailable',
    `the embedded redis-server did not start; its log (${paths.logFile}) says: ${logTail(paths.logFile)}`,
  );
}

/** Stops a server: SIGTERM (it fsyncs the AOF and exits), SIGKILL after the deadline. Resolves how it ended. */
export async function stopRedisProcess(
  pid: number,
  isAlive: () => boolean,
  deadlineMs = 10_000,
): Promise<'stopped' | 'killed'> {
  // Never 0 or negative (a whole process group) or 1 (init): only one process, the server, is ever signalled.
  if (!Number.isInteger(pid) || pid <= 1) return 'stopped';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'stopped';
  }
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!isAlive()) return 'stopped';
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  return 'killed';
}
