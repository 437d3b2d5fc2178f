// Runs a private redis-server under $DATA_DIR/redis when REDIS_URL is unset: loopback only, password, AOF, noeviction.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import { StartupError } from '../errors.js';

export interface EmbeddedRedis {
  url: string;
  password: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH: install it (Debian/Ubuntu: sudo apt-get install redis-server; ' +
  'Fedora: sudo dnf install redis; macOS: brew install redis) or set REDIS_URL to an existing Redis.';

async function freeLoopbackPort(): Promise<number> {
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

function isRunningRedis(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    // No /proc (macOS): trust the pid file, which only our own redis-server writes.
    return true;
  }
}

/** A previous forwarder killed with SIGKILL leaves its redis-server running on the same AOF: stop it first. */
async function stopStaleServer(pidFile: string, logger: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1 || !isRunningRedis(pid)) return;
  logger.warn('Stopping a redis-server left running by an earlier forwarder.', { pid });
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + 10_000;
  while (Date.now() < until && isRunningRedis(pid)) await new Promise((r) => setTimeout(r, 50));
}

async function waitUntilReady(
  port: number,
  password: string,
  child: ChildProcess,
  logFile: string,
  spawnFailed: () => boolean,
): Promise<void> {
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    if (spawnFailed()) return;
    if (child.exitCode !== null) break;
    const client = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Loading a large AOF answers LOADING until done; wait for a real PONG.
      if ((await client.ping()) === 'PONG') {
        client.disconnect();
        return;
      }
    } catch {
      // not up yet
    }
    client.disconnect();
    await new Promise((r) => setTimeout(r, 50));
  }
  let tail = '';
  try {
    tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join(' | ');
  } catch {
    // no log yet
  }
  child.kill('SIGKILL');
  throw new StartupError(
    'redis_unavailable',
    `the embedded redis-server did not start; its log says: ${tail}`,
  );
}

export async function startEmbeddedRedis(dataDir: string, logger: Logger): Promise<EmbeddedRedis> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pidFile = join(dir, 'redis.pid');
  const logFile = join(dir, 'redis.log');
  await stopStaleServer(pidFile, logger);

  const port = await freeLoopbackPort();
  const password = randomBytes(24).toString('hex');
  // The password lives in a 0600 file, not on the command line where `ps` shows it.
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode yes',
      `requirepass ${password}`,
      `dir ${JSON.stringify(dir)}`,
      `pidfile ${JSON.stringify(pidFile)}`,
      `logfile ${JSON.stringify(logFile)}`,
      'daemonize no',
      // BullMQ's production guide: AOF with everysec, and noeviction is the only safe memory policy.
      'appendonly yes',
      'appendfsync everysec',
      'save ""',
      'maxmemory-policy noeviction',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const child = spawn('redis-server', [conf], { stdio: 'ignore' });
  let failed = false;
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      failed = true;
      reject(error.code === 'ENOENT' ? new StartupError('redis_server_missing', INSTALL_HINT) : error);
    });
  });
  await Promise.race([waitUntilReady(port, password, child, logFile, () => failed), spawnError]);
  logger.info('Embedded redis-server started.', { port, dataDir: dir });

  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    password,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SIGTERM makes redis fsync the AOF and exit cleanly.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
