// Runs forwarder processes for one fault file (receiver, workers, or both) and kills and removes all of it afterwards.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { stringify } from 'yaml';
import { afterAll, onTestFailed } from 'vitest';
import { workerConnectionOptions } from '../../../src/redis/connection.js';
import { freePort } from '../../helpers/free-port.js';
import { spawnCli, waitForHttp, type CliProcess } from '../../helpers/cli.js';
import { embeddedState, isAlive } from '../../helpers/daemon-process.js';
import { waitFor } from '../../helpers/forwarder.js';

export const FAULT_SECRET = 'fault-suite-secret-0123456789abcdef';

/** Start bound: a start takes one or two seconds, a loaded machine is not a failure. */
const START_TIMEOUT_MS = 60_000;

export interface ForwarderSpec {
  role: 'all' | 'receiver' | 'worker';
  dataDir: string;
  configFile: string;
  /** The receiver's port; the same one after a restart, as a load balancer would expect. */
  port: number;
  /** An external Redis; unset runs on (or attaches to) the embedded redis-server of `dataDir`. */
  redisUrl?: string;
}

export interface ForwarderProcess extends CliProcess {
  spec: ForwarderSpec;
  pid: number;
}

/** A redis-server started by a forwarder on this data directory, if one runs (the pid is checked, never trusted). */
function embeddedServerPid(dataDir: string): number | undefined {
  const pid = embeddedState(dataDir)?.redisPid;
  if (pid === undefined || pid <= 1 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The embedded Redis of a data directory as a URL with its password, to look into the queues. */
export function embeddedRedisUrl(dataDir: string): string {
  const file = join(dataDir, 'redis', 'state.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as { port: number; password: string };
  return `redis://:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}`;
}

export interface FaultRig {
  /** A fresh temporary directory, removed after the file's tests. */
  dir(): string;
  /** Writes a forwarder.yaml into `dir` and returns its path. */
  config(dir: string, config: Record<string, unknown>): string;
  /** Starts `snyk-siem-forwarder start --role …` and waits until it serves (receiver) or its workers run. */
  start(spec: ForwarderSpec): Promise<ForwarderProcess>;
  /**
   * Starts one `--role all` forwarder on the embedded Redis of a fresh directory, delivering to `targets`, with a
   * short backoff (so a target that is back is used again within seconds) and a 1 s shutdown grace.
   */
  startWithTargets(targets: unknown[]): Promise<ForwarderProcess>;
  /** Sends a signal and waits for the exit; SIGKILL after 60 s. Resolves with the exit code (null when killed). */
  signal(proc: ForwarderProcess, signal: NodeJS.Signals): Promise<number | null>;
  /** Something else to stop after the file's tests (collectors, Redis, syslog-ng), last registered first. */
  onCleanup(cleanup: () => Promise<void> | void): void;
}

export function useFaultRig(prefix: string): FaultRig {
  const dirs: string[] = [];
  const dataDirs = new Set<string>();
  const running: ForwarderProcess[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];

  async function signal(proc: ForwarderProcess, sig: NodeJS.Signals): Promise<number | null> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.child.exitCode;
    proc.child.kill(sig);
    const force = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
    const code = await proc.exited;
    clearTimeout(force);
    return code;
  }

  afterAll(async () => {
    for (const proc of running) {
      // A frozen process must be thawed to die.
      proc.child.kill('SIGCONT');
      await signal(proc, 'SIGKILL');
    }
    // A forwarder killed with -9 leaves its embedded redis-server behind on purpose; the suite must not.
    for (const dataDir of dataDirs) {
      const pid = embeddedServerPid(dataDir);
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
    while (cleanups.length > 0) await cleanups.pop()?.();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const rig: FaultRig = {
    dir() {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    config(dir, config) {
      const file = join(dir, 'forwarder.yaml');
      writeFileSync(file, stringify(config));
      return file;
    },
    async start(spec) {
      const proc = spawnCli(['start', '--role', spec.role], {
        DATA_DIR: spec.dataDir,
        PORT: String(spec.port),
        HOST: '127.0.0.1',
        SNYK_WEBHOOK_SECRET: FAULT_SECRET,
        REDIS_URL: spec.redisUrl ?? '',
        FORWARDER_CONFIG: spec.configFile,
        LOG_LEVEL: 'info',
      });
      const started: ForwarderProcess = { ...proc, spec, pid: proc.child.pid ?? 0 };
      running.push(started);
      if (spec.redisUrl === undefined) dataDirs.add(spec.dataDir);
      // A failed scenario shows what each of its processes said last: the counts alone do not say why.
      onTestFailed(() => {
        const tail = proc
          .output()
          .split('\n')
          .slice(-40)
          .map((line) => line.slice(0, 400))
          .join('\n');
        console.log(
          `--- ${spec.role} process ${started.pid} (exit ${proc.child.exitCode ?? proc.child.signalCode}):\n${tail}`,
        );
      });
      const exitedEarly = (): void => {
        if (proc.child.exitCode !== null || proc.child.signalCode !== null)
          throw new Error(`the ${spec.role} process exited while starting:\n${proc.output().slice(-4000)}`);
      };
      if (spec.role === 'worker') {
        await waitFor(
          () => {
            exitedEarly();
            return proc.output().includes('Workers started.');
          },
          START_TIMEOUT_MS,
          'the worker process to start',
        );
      } else {
        const gone = proc.exited.then(() => exitedEarly());
        // Only a start cut short by an exit fails here; a later exit (a kill by the test) is not a failure.
        gone.catch(() => undefined);
        await Promise.race([waitForHttp(`http://127.0.0.1:${spec.port}/healthz`, START_TIMEOUT_MS), gone]);
        // The answer must come from this process, not from whatever else took the port while it was free.
        await waitFor(
          () => {
            exitedEarly();
            return proc.output().includes('Receiver listening.');
          },
          START_TIMEOUT_MS,
          'the receiver to listen',
        );
      }
      return started;
    },
    signal,
    onCleanup(cleanup) {
      cleanups.push(cleanup);
    },
    async startWithTargets(targets) {
      const dir = rig.dir();
      return rig.start({
        role: 'all',
        dataDir: join(dir, 'data'),
        port: await freePort(),
        configFile: rig.config(dir, {
          retry: { baseDelayMs: 200, maxDelayMs: 2000 },
          workers: { shutdownGraceMs: 1000 },
          targets,
        }),
      });
    },
  };
  return rig;
}

/** Jobs not yet finished (waiting, active, delayed, prioritized) in the given queues. */
export async function pendingJobs(
  redisUrl: string,
  prefix: string,
  queues: readonly string[],
): Promise<number> {
  let pending = 0;
  for (const name of queues) {
    const queue = new Queue(name, { connection: workerConnectionOptions(redisUrl), prefix });
    queue.on('error', () => undefined);
    try {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      pending += Object.values(counts).reduce((sum, n) => sum + n, 0);
    } finally {
      await queue.close();
    }
  }
  return pending;
}

/** How many jobs of a queue were taken back from a dead worker at least twice, and how many are dead letters. */
export async function jobStats(
  redisUrl: string,
  prefix: string,
  queueName: string,
): Promise<{ stalledTwice: number; failed: number }> {
  const queue = new Queue(queueName, { connection: workerConnectionOptions(redisUrl), prefix });
  queue.on('error', () => undefined);
  try {
    const jobs = await queue.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed']);
    return {
      stalledTwice: jobs.filter((job) => (job?.stalledCounter ?? 0) >= 2).length,
      failed: await queue.getFailedCount(),
    };
  } finally {
    await queue.close();
  }
}

/** Delivery ids (from 2xx answers) that have no job in the ingest queue: accepted but never stored. */
export async function missingIngestJobs(redisUrl: string, prefix: string, deliveryIds: readonly string[]) {
  const queue = new Queue('ingest', { connection: workerConnectionOptions(redisUrl), prefix });
  queue.on('error', () => undefined);
  try {
    const missing: string[] = [];
    for (const id of deliveryIds) if (!(await queue.getJob(id))) missing.push(id);
    return missing;
  } finally {
    await queue.close();
  }
}

/**
 * Deliveries whose 503 was not the whole story: the ingest job of each (by delivery id) was created before the first
 * 503 answer, so the request that was refused had stored it after all (a command that timed out in the receiver and
 * ran in Redis later). The sender's retry must then find that job, not add a second one.
 */
export async function storedBefore503(
  redisUrl: string,
  prefix: string,
  outcomes: ReadonlyArray<{ attempts: ReadonlyArray<{ answer: string; at: number; deliveryId?: string }> }>,
): Promise<number> {
  const queue = new Queue('ingest', { connection: workerConnectionOptions(redisUrl), prefix });
  queue.on('error', () => undefined);
  try {
    let count = 0;
    for (const { attempts } of outcomes) {
      const first = attempts[0];
      const accepted = attempts.find((a) => a.answer === '2xx' && a.deliveryId);
      if (first?.answer !== '503' || !accepted?.deliveryId) continue;
      // BullMQ stamps a job when the producer asks to add it, so a job stamped before the 503 was asked for by then.
      const job = await queue.getJob(accepted.deliveryId);
      if (job && job.timestamp < first.at) count += 1;
    }
    return count;
  } finally {
    await queue.close();
  }
}

/** The default file target's output in a data directory. */
export function defaultOutput(dataDir: string): string {
  return join(dataDir, 'out', 'findings.ndjson');
}
