// Accepted webhooks per second with Redis AOF `appendfsync everysec` (the embedded default) against `always`.
// Usage: npm run bench:fsync [-- seconds [rounds]]   Writes bench/results/fsync.json.
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { configSchema } from '../src/config/schema.js';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startTestRedis } from '../test/helpers/redis-server.js';
import { percentile, postSnapshot } from './post-webhook.js';

const SECONDS = Number(process.argv[2] ?? 8);
const SECRET = 'bench-fsync-secret-0123456789abcdef';
const MODES = ['everysec', 'always'] as const;
/** One client at a time shows the latency of one fsync; many show how Redis groups fsyncs. */
const CONCURRENCY = [1, 16];
const ROUNDS = Number(process.argv[3] ?? 3);

const fixture = readFileSync(
  new URL(
    '../test/fixtures/snyk/project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
    import.meta.url,
  ),
  'utf8',
);
const PROJECT_ID = '08218f17-b2be-4c3e-a05c-b655e1e0eb93';

/** A distinct real-sized snapshot per request (another project), so that every request stores a new job. */
function body(): Buffer {
  return Buffer.from(fixture.replaceAll(PROJECT_ID, randomUUID()));
}

interface Measurement {
  appendfsync: (typeof MODES)[number];
  concurrency: number;
  round: number;
  accepted: number;
  refused: number;
  seconds: number;
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(
  mode: (typeof MODES)[number],
  concurrency: number,
  round: number,
): Promise<Measurement> {
  // A fresh server each time, its AOF on the disk under the temporary directory (not tmpfs here: see `filesystem`).
  const redis = await startTestRedis();
  const admin = new Redis({ port: redis.port, host: '127.0.0.1' });
  await admin.config('SET', 'appendfsync', mode);
  const dataDir = mkdtempSync(join(tmpdir(), 'ssf-bench-fsync-'));
  const config = configSchema.parse({
    dataDir,
    receiver: { host: '127.0.0.1', port: 0, secrets: [SECRET] },
    redis: { url: redis.url, prefix: `bench-${mode}` },
    log: { level: 'error', format: 'json' },
    admin: { port: 0 },
  });
  const logger = createLogger({ level: 'error', format: 'json', stream: new PassThrough().resume() });
  const daemon = await startDaemon({ config, role: 'receiver', logger });
  const url = `${daemon.receiverUrl}/webhooks/snyk`;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let refused = 0;
  // A short warm-up, not counted.
  await Promise.all(Array.from({ length: concurrency }, () => postSnapshot(url, agent, body(), SECRET)));
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const { status, ms } = await postSnapshot(url, agent, body(), SECRET);
        if (status === 202) latencies.push(ms);
        else refused += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  await daemon.stop();
  admin.disconnect();
  await redis.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    appendfsync: mode,
    concurrency,
    round,
    accepted: latencies.length,
    refused,
    seconds: Math.round(seconds * 100) / 100,
    acceptedPerSecond: Math.round(latencies.length / seconds),
    p50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    p99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
  };
}

const results: Measurement[] = [];
// Modes alternate within each round, so that a change in the machine's load hits both alike.
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const concurrency of CONCURRENCY) {
    for (const mode of MODES) {
      const result = await measure(mode, concurrency, round);
      results.push(result);
      console.log(
        `${mode.padEnd(8)} concurrency ${String(concurrency).padStart(2)} round ${round}: ` +
          `${result.acceptedPerSecond} accepted/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms` +
          `${result.refused > 0 ? `, ${result.refused} refused` : ''}`,
      );
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const summary = CONCURRENCY.flatMap((concurrency) =>
  MODES.map((mode) => {
    const runs = results.filter((r) => r.appendfsync === mode && r.concurrency === concurrency);
    return {
      appendfsync: mode,
      concurrency,
      medianAcceptedPerSecond: median(runs.map((r) => r.acceptedPerSecond)),
      medianP50Ms: median(runs.map((r) => r.p50Ms)),
      medianP99Ms: median(runs.map((r) => r.p99Ms)),
    };
  }),
);
for (const line of summary) {
  console.log(
    `median ${line.appendfsync.padEnd(8)} concurrency ${String(line.concurrency).padStart(2)}: ` +
      `${line.medianAcceptedPerSecond} accepted/s, p50 ${line.medianP50Ms} ms, p99 ${line.medianP99Ms} ms`,
  );
}

/** What one fsync of a small append costs on this disk, measured directly: the floor of `always` for one client. */
function fsyncCost(): { fsyncsPerSecond: number; meanMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-fsync-disk-'));
  const fd = openSync(join(dir, 'probe'), 'a');
  const chunk = Buffer.alloc(12 * 1024, 0x61);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    writeSync(fd, chunk);
    fsyncSync(fd);
    count += 1;
  }
  const ms = performance.now() - started;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { fsyncsPerSecond: Math.round((count * 1000) / ms), meanMs: Math.round((ms / count) * 100) / 100 };
}
const disk = fsyncCost();
console.log(`disk: ${disk.fsyncsPerSecond} append+fsync/s (${disk.meanMs} ms each)`);

let filesystem = 'unknown';
try {
  filesystem =
    execFileSync('df', ['-T', tmpdir()], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? 'unknown';
} catch {
  // df is not everywhere; the figure is then just less documented
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/fsync.json', import.meta.url),
  `${JSON.stringify(
    {
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      filesystem,
      secondsPerRun: SECONDS,
      rounds: ROUNDS,
      disk,
      bodyBytes: body().length,
      summary,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log('bench/results/fsync.json written');
