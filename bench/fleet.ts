// Throughput of a fleet (receivers and workers as separate processes on one Redis) against one of each, same machine.
// Usage: npm run bench:fleet [-- snapshots [concurrency]]   Writes bench/results/fleet.json. Needs `npm run build`.
// BENCH_TARGET='{"concurrency":12}' adds keys to the target; BENCH_SHAPES='2x3' runs only those receivers x workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestRedis } from '../test/helpers/redis-server.js';
import { CLI_MAIN } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { fiveIssuePayload, signedBodies } from './payloads.js';
import { round, stopAll, stopChild, track, waitUntil } from './phase.js';
import { postLoad } from './post-webhook.js';

const SNAPSHOTS = Number(process.argv[2] ?? 1000);
const CONCURRENCY = Number(process.argv[3] ?? 32);
const SECRET = 'bench-fleet-secret-0123456789abcdef';
const LIMIT_MS = 300_000;
const payload = fiveIssuePayload();
const targetOverrides = JSON.parse(process.env.BENCH_TARGET ?? '{}') as Record<string, unknown>;
const shapes = (process.env.BENCH_SHAPES ?? '1x1,2x3').split(',').map((shape) => {
  const [receivers, workers] = shape.split('x').map(Number);
  return { receivers: receivers ?? 1, workers: workers ?? 1 };
});

interface Shape {
  receivers: number;
  workers: number;
}

interface Run extends Shape {
  requestsPerSecond: number;
  p99Ms: number;
  /** From the first request to the last record in the file. */
  seconds: number;
  findingsPerSecond: number;
}

function lines(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

async function measure(shape: Shape): Promise<Run> {
  const redis = await startTestRedis();
  const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-fleet-'));
  const children: ChildProcess[] = [];
  const cleanup = track(async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    await redis.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    const out = join(dir, 'records.ndjson');
    const config = join(dir, 'forwarder.yaml');
    // JSON is YAML. The file target serialises appends across processes (its flock), as a shared volume would.
    writeFileSync(
      config,
      JSON.stringify({
        targets: [{ name: 'bench', type: 'file', format: 'json', path: out, ...targetOverrides }],
      }),
    );
    const start = async (role: 'receiver' | 'worker'): Promise<string> => {
      const port = await freePort();
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        FORWARDER_CONFIG: config,
        DATA_DIR: dir,
        SNYK_WEBHOOK_SECRET: SECRET,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PORT: '0',
        LOG_LEVEL: 'warn',
      };
      const child = spawn(process.execPath, [CLI_MAIN, 'start', '--role', role], { env, stdio: 'ignore' });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      if (role === 'receiver')
        await waitUntil(
          `receiver on ${port}`,
          () =>
            fetch(`${url}/readyz`).then(
              (r) => r.ok,
              () => false,
            ),
          30_000,
        );
      return `${url}/webhooks/snyk`;
    };
    const receivers = await Promise.all(Array.from({ length: shape.receivers }, () => start('receiver')));
    await Promise.all(Array.from({ length: shape.workers }, () => start('worker')));
    const bodies = signedBodies(payload, SNAPSHOTS, SECRET);
    // Each receiver gets an equal share of the deliveries and of the connections, all at once.
    const loads = await Promise.all(
      receivers.map((url, index) =>
        postLoad(
          url,
          bodies.filter((_, n) => n % receivers.length === index),
          {
            concurrency: Math.ceil(CONCURRENCY / receivers.length),
            secret: SECRET,
            event: payload.event,
            limitMs: LIMIT_MS,
          },
        ),
      ),
    );
    const startedAt = Math.min(...loads.map((load) => load.startedAt));
    const accepted = loads.reduce((sum, load) => sum + load.accepted, 0);
    if (accepted !== SNAPSHOTS) throw new Error(`${SNAPSHOTS - accepted} snapshots refused`);
    const requestMs = Math.max(...loads.map((load) => load.startedAt + load.seconds * 1000)) - startedAt;
    // One record per issue and one snapshot summary per delivery (docs/mapping.md).
    const expected = SNAPSHOTS * (payload.issues + 1);
    await waitUntil(`${expected} records`, () => lines(out) >= expected, LIMIT_MS);
    const seconds = (performance.now() - startedAt) / 1000;
    return {
      ...shape,
      requestsPerSecond: Math.round(accepted / (requestMs / 1000)),
      p99Ms: Math.max(...loads.map((load) => load.p99Ms)),
      seconds: round(seconds, 2),
      findingsPerSecond: Math.round((SNAPSHOTS * payload.issues) / seconds),
    };
  } finally {
    await cleanup();
  }
}

try {
  const runs: Run[] = [];
  for (const shape of shapes) {
    const run = await measure(shape);
    runs.push(run);
    console.log(
      `${run.receivers} receiver(s) + ${run.workers} worker(s): ${run.requestsPerSecond} requests/s ` +
        `(p99 ${run.p99Ms} ms), end to end ${run.findingsPerSecond} findings/s in ${run.seconds} s`,
    );
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/fleet.json', import.meta.url),
    `${JSON.stringify(
      {
        ranAt: new Date().toISOString(),
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        loadAverageAtEnd: loadavg().map((n) => round(n, 2)),
        redis: 'one redis-server, appendonly yes, appendfsync everysec, noeviction',
        snapshots: SNAPSHOTS,
        issuesPerSnapshot: payload.issues,
        concurrency: CONCURRENCY,
        target: { type: 'file (json), one file shared by every worker', ...targetOverrides },
        runs,
      },
      null,
      2,
    )}\n`,
  );
  console.log('bench/results/fleet.json written');
} finally {
  await stopAll();
}
