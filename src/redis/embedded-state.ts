// The embedded redis-server's state file (owner, server pid, port, password) and the proof that a pid is our server.
import { existsSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';

export interface EmbeddedState {
  /** The forwarder (or CLI) process that holds the owner lock. */
  ownerPid: number;
  /** The redis-server it runs, once started. */
  redisPid: number | undefined;
  port: number;
  password: string;
  /** Absolute path of the server's configuration file; it appears in the server's process title. */
  confFile: string;
}

export interface EmbeddedPaths {
  dir: string;
  lockFile: string;
  stateFile: string;
  confFile: string;
  logFile: string;
  pidFile: string;
}

export function embeddedPaths(dataDir: string): EmbeddedPaths {
  const dir = join(dataDir, 'redis');
  return {
    dir,
    lockFile: join(dir, 'owner.lock'),
    stateFile: join(dir, 'state.json'),
    confFile: join(dir, 'redis.conf'),
    logFile: join(dir, 'redis.log'),
    pidFile: join(dir, 'redis.pid'),
  };
}

export function embeddedUrl(state: Pick<EmbeddedState, 'port' | 'password'>): string {
  return `redis://:${state.password}@127.0.0.1:${state.port}`;
}

export function readState(file: string): EmbeddedState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<EmbeddedState>;
    if (
      typeof value.ownerPid !== 'number' ||
      typeof value.port !== 'number' ||
      typeof value.password !== 'string' ||
      typeof value.confFile !== 'string'
    )
      return undefined;
    return {
      ownerPid: value.ownerPid,
      redisPid: typeof value.redisPid === 'number' ? value.redisPid : undefined,
      port: value.port,
      password: value.password,
      confFile: value.confFile,
    };
  } catch {
    return undefined;
  }
}

/** Written atomically and 0600: it holds the password other processes on this data directory attach with. */
export function writeState(file: string, state: EmbeddedState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}

/** True while a process with this pid exists (kill(2) with signal 0 checks without signalling). */
export function processAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True only when `pid` is a running redis-server of this data directory: started with our configuration file (our
 * servers keep it in their command line, `set-proc-title no` in redis.conf) or working in our directory (Redis
 * changes into its `dir`, so /proc/PID/cwd names it; proc(5)). A recycled pid, or another redis-server of the same
 * user, never matches. Without /proc (macOS) nothing can be proven and the answer is false: we never signal a
 * process we cannot prove is ours.
 */
export function isOurServer(pid: number | undefined, confFile: string): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return false;
  }
  if (!cmdline.includes('redis-server')) return false;
  if (cmdline.includes(confFile)) return true;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dirname(confFile);
  } catch {
    return false;
  }
}
