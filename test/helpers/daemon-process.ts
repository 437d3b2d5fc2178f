// Runs `snyk-siem-forwarder start` as a child process on its embedded Redis, and reads its data directory's state.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { spawnCli, waitForHttp, type CliProcess } from './cli.js';
import { freePort } from './free-port.js';
import { waitFor } from './forwarder.js';
import { completeNdjsonLines } from './ndjson-file.js';

export const PROCESS_SECRET = 'process-test-secret-0123456789abcdef';

export interface DaemonProcess extends CliProcess {
  port: number;
  webhookUrl: string;
  baseUrl: string;
}

export interface StartProcessOptions {
  dataDir: string;
  role?: 'all' | 'receiver' | 'worker';
  env?: Record<string, string>;
  args?: string[];
  /** Start it as the leader of its own process group, as a service manager or a shell job would. */
  detached?: boolean;
  /** Wait for this probe path to answer 200; workers have no listener, so they wait for a log line instead. */
  waitFor?: string;
}

export async function startProcess(options: StartProcessOptions): Promise<DaemonProcess> {
  const port = await freePort();
  const role = options.role ?? 'all';
  const proc = spawnCli(
    ['start', '--role', role, ...(options.args ?? [])],
    {
      DATA_DIR: options.dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SNYK_WEBHOOK_SECRET: PROCESS_SECRET,
      REDIS_URL: '',
      FORWARDER_CONFIG: '',
      ...options.env,
    },
    undefined,
    { detached: options.detached ?? false },
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  if (role === 'worker') {
    await waitFor(() => proc.output().includes('Workers started.'), 20_000, 'the worker to start');
  } else {
    await waitForHttp(`${baseUrl}${options.waitFor ?? '/readyz'}`);
  }
  return { ...proc, port, baseUrl, webhookUrl: `${baseUrl}/webhooks/snyk` };
}

export function embeddedState(
  dataDir: string,
): { ownerPid: number; redisPid: number; port: number } | undefined {
  const file = join(dataDir, 'redis', 'state.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as { ownerPid: number; redisPid: number; port: number };
}

/** The pid of the embedded redis-server of a data directory; throws rather than answer 0 (a whole process group). */
export function redisPidOf(dataDir: string): number {
  const pid = embeddedState(dataDir)?.redisPid;
  if (pid === undefined || pid <= 1) throw new Error(`no embedded redis-server recorded in ${dataDir}`);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function recordsIn(file: string): Array<{ record_id: string; transport_id: string }> {
  return completeNdjsonLines<{ record_id: string; transport_id: string }>(file);
}

/** Stops a process and waits for it; SIGKILL after a bounded wait so a hung daemon cannot hang the suite. */
export async function stopProcess(
  proc: CliProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

/**
 * Registers an afterAll hook that kills every process a test file started (thawing a frozen one first), kills any
 * redis-server left in its data directories, and removes them. `dataDir()` makes one more directory; `start`
 * starts a process that the hook will clean up.
 */
export function useProcesses(prefix: string): {
  dataDir(): string;
  /** startProcess, with the process killed after the file's tests if it is still running. */
  start(options: StartProcessOptions): Promise<DaemonProcess>;
} {
  const dirs: string[] = [];
  const running: CliProcess[] = [];
  afterAll(async () => {
    for (const proc of running) {
      // A frozen process must be thawed to die; kill() on one that is gone just returns false.
      proc.child.kill('SIGCONT');
      await stopProcess(proc, 'SIGKILL');
    }
    for (const dir of dirs) {
      const state = embeddedState(dir);
      if (state && isAlive(state.redisPid)) process.kill(state.redisPid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return {
    dataDir() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    async start(options) {
      const proc = await startProcess(options);
      running.push(proc);
      return proc;
    },
  };
}
