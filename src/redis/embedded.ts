// The embedded Redis of a data directory: owned through a lock, supervised by its owner, shared with other processes.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'winston';
import { StartupError } from '../errors.js';
import {
  embeddedPaths,
  embeddedUrl,
  isOurServer,
  processAlive,
  readState,
  removeState,
  writeState,
  type EmbeddedPaths,
  type EmbeddedState,
} from './embedded-state.js';
import {
  freeLoopbackPort,
  pingEmbedded,
  requireRedisServer,
  spawnRedisServer,
  stopRedisProcess,
} from './embedded-server.js';
import { tryOwnerLock } from './owner-lock.js';

export type EmbeddedRole = 'owner' | 'attached';

/** How a stop ended, so the daemon's last log line says what really happened. */
export type EmbeddedStopOutcome = 'stopped' | 'killed' | 'already-exited' | 'left-to-owner';

export interface EmbeddedRedis {
  url: string;
  password: string;
  /** owner: this process runs and supervises the server; attached: another process on the same data directory does. */
  role(): EmbeddedRole;
  /** False once the server is gone for good (its restarts failed); the process should then exit. */
  healthy(): boolean;
  /** Called once when the server is gone for good. */
  onFatal(listener: (reason: string) => void): void;
  stop(): Promise<EmbeddedStopOutcome>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  /**
   * serve: own the server, or attach to the one another process owns (the daemon).
   * attach: only attach to a running server; never start one (read-only commands).
   * serve-existing: like serve, but only on a data directory that already holds queue data (CLI writes).
   */
  mode?: 'serve' | 'attach' | 'serve-existing';
  /** Waits before each restart of a server that died; the last failure makes the server gone for good. */
  restartDelaysMs?: readonly number[];
  /** How long to wait for another owner's server to answer before refusing to start. */
  attachTimeoutMs?: number;
}

const RESTART_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];
/** A server that stayed up this long has recovered: a later crash starts a new series of restarts. */
const STABLE_AFTER_MS = 60_000;

function readPidFile(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function hasQueueData(paths: EmbeddedPaths): boolean {
  return existsSync(join(paths.dir, 'appendonlydir')) || existsSync(join(paths.dir, 'dump.rdb'));
}

/** Stops a redis-server left running by an owner that died, but only one proven to be ours. */
async function stopOrphan(paths: EmbeddedPaths, previous: EmbeddedState | undefined, logger: Logger) {
  const candidates = new Set<number>();
  if (previous?.redisPid !== undefined) candidates.add(previous.redisPid);
  // Redis writes its own pid file; a server whose owner died before the state file was written is found there.
  const fromPidFile = readPidFile(paths.pidFile);
  if (fromPidFile !== undefined) candidates.add(fromPidFile);
  for (const pid of candidates) {
    if (!isOurServer(pid, paths.confFile)) continue;
    logger.warn('Stopping the embedded redis-server left running by a forwarder that is no longer alive.', {
      pid,
      previousOwner: previous?.ownerPid,
    });
    await stopRedisProcess(pid, () => isOurServer(pid, paths.confFile));
  }
}

async function waitForOwnersServer(
  paths: EmbeddedPaths,
  timeoutMs: number,
): Promise<EmbeddedState | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = readState(paths.stateFile);
    if (state && processAlive(state.ownerPid) && (await pingEmbedded(state.port, state.password)))
      return state;
    if (Date.now() > until) return state;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function nothingRunning(paths: EmbeddedPaths, dataDir: string): StartupError {
  return new StartupError(
    'redis_unavailable',
    `no forwarder is running on DATA_DIR=${dataDir} (looked for a live owner of ${paths.lockFile}) and REDIS_URL ` +
      'is not set, so there is no queue to read. Run this command with the same DATA_DIR and configuration as the ' +
      'service (docs/operations.md), or set REDIS_URL.',
  );
}

export async function openEmbeddedRedis(options: EmbeddedOptions): Promise<EmbeddedRedis> {
  const { dataDir, logger } = options;
  const mode = options.mode ?? 'serve';
  const paths = embeddedPaths(dataDir);
  const delays = options.restartDelaysMs ?? RESTART_DELAYS_MS;

  if (mode !== 'serve') {
    // Read-only and maintenance commands create nothing: no directory, no lock file, no server on empty data.
    if (!existsSync(paths.lockFile)) throw nothingRunning(paths, dataDir);
  } else {
    requireRedisServer();
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  }

  let lock = await tryOwnerLock(paths.lockFile);
  let state: EmbeddedState;
  if (lock) {
    if (mode === 'attach' || (mode === 'serve-existing' && !hasQueueData(paths))) {
      await lock.release();
      throw nothingRunning(paths, dataDir);
    }
    const previous = readState(paths.stateFile);
    await stopOrphan(paths, previous, logger);
    state = {
      ownerPid: process.pid,
      redisPid: undefined,
      port: await freeLoopbackPort(),
      password: randomBytes(24).toString('hex'),
      confFile: paths.confFile,
    };
  } else {
    const found = await waitForOwnersServer(paths, options.attachTimeoutMs ?? 15_000);
    if (!found || !(await pingEmbedded(found.port, found.password))) {
      throw new StartupError(
        'redis_unavailable',
        `DATA_DIR=${dataDir} belongs to another forwarder process${found ? ` (pid ${found.ownerPid})` : ''} whose ` +
          'embedded redis-server does not answer: stop that process, or give this one its own DATA_DIR or a REDIS_URL.',
      );
    }
    state = found;
    logger.info('Using the embedded redis-server of another forwarder process on this data directory.', {
      ownerPid: found.ownerPid,
      port: found.port,
    });
  }

  let role: EmbeddedRole = lock ? 'owner' : 'attached';
  let child: ChildProcess | undefined;
  let stopping = false;
  let gone = false;
  let restarting = false;
  let attempt = 0;
  let upSince = 0;
  let watchTimer: NodeJS.Timeout | undefined;
  const fatalListeners: Array<(reason: string) => void> = [];
  // A crash of this process must not orphan the server: 'exit' handlers run for process.exit and uncaught errors.
  const killOnExit = () => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
  };

  function fail(reason: string): void {
    if (gone) return;
    gone = true;
    logger.error('The embedded redis-server is gone for good.', { reason });
    for (const listener of fatalListeners) listener(reason);
  }

  async function launch(): Promise<void> {
    const spawned = await spawnRedisServer(paths, state.port, state.password);
    if (stopping) {
      // stop() came while this server was starting: it must not outlive the daemon.
      if (spawned.pid !== undefined)
        await stopRedisProcess(spawned.pid, () => spawned.exitCode === null && spawned.signalCode === null);
      throw new Error('stopped while the embedded redis-server was starting');
    }
    child = spawned;
    upSince = Date.now();
    state = { ...state, ownerPid: process.pid, redisPid: child.pid };
    writeState(paths.stateFile, state);
    const launched = child;
    launched.once('exit', (code, signal) => {
      if (stopping || launched !== child) return;
      logger.error('The embedded redis-server exited unexpectedly; restarting it on the same data.', {
        code,
        signal,
        pid: launched.pid,
      });
      void restart();
    });
  }

  async function restart(): Promise<void> {
    if (restarting || stopping) return;
    restarting = true;
    if (Date.now() - upSince > STABLE_AFTER_MS) attempt = 0;
    try {
      while (!stopping) {
        const delay = delays[attempt];
        if (delay === undefined) {
          fail(`redis-server could not be restarted after ${delays.length} attempts (see ${paths.logFile})`);
          return;
        }
        attempt += 1;
        await new Promise((r) => setTimeout(r, delay));
        if (stopping) return;
        try {
          await launch();
          logger.warn('The embedded redis-server was restarted.', {
            attempt,
            pid: child?.pid,
            port: state.port,
          });
          return;
        } catch (error) {
          logger.error('Restarting the embedded redis-server failed.', {
            attempt,
            of: delays.length,
            error: (error as Error).message,
          });
        }
      }
    } finally {
      restarting = false;
    }
  }

  /** An attached process takes over when the owner is gone, on the same port and password its clients use. */
  function watchOwner(): void {
    let ticks = 0;
    watchTimer = setInterval(() => {
      ticks += 1;
      if (stopping || role === 'owner' || restarting) return;
      if (processAlive(state.ownerPid) && ticks % 10 !== 0) return;
      restarting = true;
      void (async () => {
        try {
          const taken = await tryOwnerLock(paths.lockFile);
          if (!taken) return;
          if (stopping) {
            await taken.release();
            return;
          }
          lock = taken;
          role = 'owner';
          logger.warn(
            'The forwarder that ran the embedded redis-server is gone; this process takes it over.',
            {
              previousOwner: state.ownerPid,
            },
          );
          await stopOrphan(paths, readState(paths.stateFile), logger);
          upSince = 0;
          process.on('exit', killOnExit);
        } finally {
          restarting = false;
        }
        if (role === 'owner' && !stopping) await restartNow();
      })();
    }, 1000);
    watchTimer.unref();
  }

  async function restartNow(): Promise<void> {
    try {
      await launch();
      logger.warn('Embedded redis-server started by this process.', { pid: child?.pid, port: state.port });
    } catch (error) {
      logger.error('Starting the embedded redis-server failed.', { error: (error as Error).message });
      await restart();
    }
  }

  if (role === 'owner') {
    process.on('exit', killOnExit);
    try {
      await launch();
    } catch (error) {
      process.off('exit', killOnExit);
      await lock?.release();
      throw error;
    }
    logger.info('Embedded redis-server started.', { port: state.port, pid: child?.pid, dataDir: paths.dir });
  } else if (mode === 'serve') {
    watchOwner();
  }

  return {
    url: embeddedUrl(state),
    password: state.password,
    role: () => role,
    healthy: () => !gone,
    onFatal(listener) {
      fatalListeners.push(listener);
    },
    async stop() {
      stopping = true;
      if (watchTimer) clearInterval(watchTimer);
      if (role !== 'owner') return 'left-to-owner';
      process.off('exit', killOnExit);
      const running = child;
      let outcome: EmbeddedStopOutcome = 'already-exited';
      if (running?.pid !== undefined && running.exitCode === null && running.signalCode === null) {
        const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
        outcome = await stopRedisProcess(
          running.pid,
          () => running.exitCode === null && running.signalCode === null,
        );
        await exited;
      }
      removeState(paths.stateFile);
      await lock?.release();
      return outcome;
    },
  };
}
