// The forwarder as shipped (the built CLI's `start`) in its own process, for the benches: start, watch, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { redisSchema } from '../src/config/schema.js';
import { DEFAULT_TARGET_NAME } from '../src/config/default-target.js';
import { INGEST_QUEUE, targetQueueName } from '../src/queue/names.js';
import { stopRedisProcess } from '../src/redis/embedded-server.js';
import { embeddedPaths, embeddedUrl, isOurServer, readState } from '../src/redis/embedded-state.js';
import { CLI_MAIN } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { stopChild, track, waitUntil } from './phase.js';

export interface ForwarderOptions {
  secret: string;
  /** The configured targets; none: the embedded default, $DATA_DIR/out/findings.ndjson in JSON. */
  targets?: Record<string, unknown>[];
  /** An existing Redis; unset: the forwarder runs its embedded redis-server (AOF everysec) under its data directory. */
  redisUrl?: string;
  /** Options for the forwarder's node (BENCH_NODE_ARGS, e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Other configuration keys beside the targets (e.g. `workers`), written with them. */
  config?: Record<string, unknown>;
  /** How long the forwarder may take to answer /healthz. */
  startLimitMs?: number;
  /** LOG_LEVEL; default warn. */
  logLevel?: string;
}

/** Jobs a queue still has to process: waiting, active, delayed and prioritized (BullMQ's getJobCounts). */
export interface QueueDepth {
  ingest: number;
  target: number;
}

export interface ForwarderProcess {
  /** The webhook URL. */
  url: string;
  pid: number;
  /** The embedded redis-server's pid; undefined with redisUrl. */
  redisPid: number | undefined;
  /** The directory the process runs in: its data directory (and the default target's file) is under it. */
  dir: string;
  /** The default target's file (when no targets were given). */
  defaultTargetFile: string;
  queueDepth(): Promise<QueueDepth>;
  /** SIGTERM, SIGKILL after 20 s; the embedded Redis stops with it; then the directory is removed. */
  stop(): Promise<void>;
  /** SIGKILL at once, with its backlog: the bench needs neither its data nor its clean stop. Then as stop(). */
  kill(): Promise<void>;
}

const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized'] as const;

export async function startForwarder(options: ForwarderOptions): Promise<ForwarderProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-forwarder-'));
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const args = [CLI_MAIN, 'start'];
  if (options.targets !== undefined) {
    const configFile = join(dir, 'forwarder.yaml');
    // JSON is YAML.
    writeFileSync(configFile, JSON.stringify({ ...options.config, targets: options.targets }));
    args.push('--config', configFile);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    ADMIN_PORT: String(await freePort()),
    SNYK_WEBHOOK_SECRET: options.secret,
    LOG_LEVEL: options.logLevel ?? 'warn',
  };
  delete env.FORWARDER_CONFIG;
  delete env.REDIS_URL;
  if (options.redisUrl !== undefined) env.REDIS_URL = options.redisUrl;
  // Its own directory as the working directory: no ./forwarder.yaml of the caller's is read.
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const queues: Queue[] = [];
  const cleanup = async () => {
    // A forwarder killed before it could stop its embedded redis-server leaves it running: stop that one too.
    const paths = embeddedPaths(dataDir);
    const redisPid = readState(paths.stateFile)?.redisPid;
    if (redisPid !== undefined && isOurServer(redisPid, paths.confFile))
      await stopRedisProcess(redisPid, () => isOurServer(redisPid, paths.confFile));
    rmSync(dir, { recursive: true, force: true });
  };
  const kill = async () => {
    child.kill('SIGKILL');
    await stopChild(child, 0);
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    await cleanup();
  };
  const stop = track(async () => {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    await stopChild(child);
    await cleanup();
  }, kill);
  try {
    await waitUntil(
      'the forwarder to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`the forwarder exited with ${child.exitCode}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (res) => res.ok,
          () => false,
        );
      },
      options.startLimitMs ?? 60_000,
    );
    const state = options.redisUrl === undefined ? readState(embeddedPaths(dataDir).stateFile) : undefined;
    if (options.redisUrl === undefined && state === undefined)
      throw new Error('the forwarder answers but wrote no embedded Redis state');
    const url = new URL(state !== undefined ? embeddedUrl(state) : (options.redisUrl as string));
    const connection = {
      host: url.hostname,
      port: Number(url.port),
      ...(url.password === '' ? {} : { password: decodeURIComponent(url.password) }),
      maxRetriesPerRequest: null,
    };
    const prefix = redisSchema.parse({}).prefix;
    const targetName = String(options.targets?.[0]?.name ?? DEFAULT_TARGET_NAME);
    const ingest = new Queue(INGEST_QUEUE, { connection, prefix });
    const target = new Queue(targetQueueName(targetName), { connection, prefix });
    queues.push(ingest, target);
    const depth = async (queue: Queue) => {
      const counts = await queue.getJobCounts(...DEPTH_STATES);
      return DEPTH_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
    };
    return {
      url: `http://127.0.0.1:${port}/webhooks/snyk`,
      pid: child.pid ?? 0,
      redisPid: state?.redisPid,
      dir,
      defaultTargetFile: join(dataDir, 'out', 'findings.ndjson'),
      queueDepth: async () => ({ ingest: await depth(ingest), target: await depth(target) }),
      stop,
      // The same once-only stop, the quick way.
      kill: () => {
        child.kill('SIGKILL');
        return stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
