// Time of a /metrics scrape with 20 targets and 10,000 queued jobs: fresh reads of Redis, cached ones, Redis's own cost.
// Usage: npm run bench:metrics [-- freshScrapes [cachedScrapes]]   Writes bench/results/metrics-scrape.json.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { configSchema } from '../src/config/schema.js';
import { startDaemon } from '../src/daemon.js';
import { targetQueueName } from '../src/queue/names.js';
import { readQueueStats } from '../src/queue/queue-stats.js';
import { workerConnectionOptions } from '../src/redis/connection.js';
import { createLogger } from '../src/telemetry/logger.js';
import { declareTargetSeries } from '../src/telemetry/series.js';
import { targetJobData } from '../test/helpers/job-data.js';
import { startTestRedis } from '../test/helpers/redis-server.js';

const TARGETS = 20;
const JOBS = 10_000;
const FRESH = Number(process.argv[2] ?? 20);
const CACHED = Number(process.argv[3] ?? 200);
const PREFIX = 'bench-metrics';

function percentiles(values: number[]): { p50Ms: number; p95Ms: number; maxMs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), maxMs: round(sorted.at(-1) ?? 0) };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const redis = await startTestRedis();
const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-metrics-'));
const targets = Array.from({ length: TARGETS }, (_, index) => `siem-${String(index).padStart(2, '0')}`);
try {
  // Jobs spread over the targets: nine in ten waiting, one in ten backing off, as during an outage of a few targets.
  const connection = workerConnectionOptions(redis.url);
  for (const [index, target] of targets.entries()) {
    const queue = new Queue(targetQueueName(target), { connection, prefix: PREFIX });
    const perTarget = JOBS / TARGETS;
    await queue.addBulk(
      Array.from({ length: perTarget }, (_, n) => ({
        name: 'records',
        data: targetJobData(`${index}-${n}`, target),
        opts: n % 10 === 0 ? { delay: 3_600_000 } : {},
      })),
    );
    await queue.close();
  }

  // A receiver: no worker takes the jobs, so the backlog stays as built while it is scraped.
  const config = configSchema.parse({
    dataDir: dir,
    receiver: { host: '127.0.0.1', port: 0, secrets: ['bench-metrics-secret-0123456789'] },
    redis: { url: redis.url, prefix: PREFIX },
    admin: { port: 0 },
    log: { level: 'error', format: 'json' },
    targets: targets.map((name) => ({
      name,
      type: 'file',
      format: 'json',
      path: join(dir, `${name}.ndjson`),
    })),
  });
  const daemon = await startDaemon({
    config,
    role: 'receiver',
    logger: createLogger({ level: 'error', format: 'json', stream: new PassThrough().resume() }),
  });
  // And every series of a process that also runs the 20 targets' workers (counters, histograms), as with --role all.
  for (const target of targets) declareTargetSeries(daemon.counters, target);
  const url = `${daemon.adminUrl}/metrics`;
  const scrape = async () => {
    const response = await fetch(url);
    return response.text();
  };

  const body = await scrape();
  const series = body.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
  const queued = body
    .split('\n')
    .filter((line) => /^snyk_siem_forwarder_queue_jobs\{.*state="(waiting|delayed)"/.test(line))
    .reduce((total, line) => total + Number(line.split(' ').at(-1)), 0);
  if (queued !== JOBS) throw new Error(`the scrape counts ${queued} queued jobs, not ${JOBS}`);

  // Fresh: each scrape after the 1 s cache expired, so each reads Redis.
  const fresh: number[] = [];
  for (let i = 0; i < FRESH; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1050));
    fresh.push(await timed(scrape));
  }
  // Cached: back to back, within the cache's second; what a second Prometheus server or a retry costs.
  const cached: number[] = [];
  for (let i = 0; i < CACHED; i += 1) cached.push(await timed(scrape));

  // The read alone, and what Redis spends on it (its own per-call time of the script).
  const client = new Redis(redis.url);
  await client.config('RESETSTAT');
  const reads: number[] = [];
  for (let i = 0; i < FRESH * 5; i += 1)
    reads.push(await timed(() => readQueueStats(client, PREFIX, targets)));
  const stats = await client.info('commandstats');
  const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats);
  const redisUsPerRead = evalsha ? Math.round(Number(evalsha[2]) / (FRESH * 5)) : undefined;
  client.disconnect();
  await daemon.stop();

  const result = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    ranAt: new Date().toISOString(),
    targets: TARGETS,
    queuedJobs: JOBS,
    seriesPerScrape: series,
    bodyBytes: Buffer.byteLength(body),
    freshScrape: { runs: FRESH, ...percentiles(fresh) },
    cachedScrape: { runs: CACHED, ...percentiles(cached) },
    queueRead: { runs: FRESH * 5, ...percentiles(reads), redisMicrosecondsPerRead: redisUsPerRead },
  };
  writeFileSync(
    new URL('./results/metrics-scrape.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
