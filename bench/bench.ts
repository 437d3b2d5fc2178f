// `npm run bench`: the forwarder beside a bare durable receiver, end to end, normalise + encode, memory, Redis context.
// Usage: npm run bench [-- --quick]   (or BENCH_QUICK=1): a small-size smoke run, written to a scratch directory.
// The full run writes bench/results/bench.{json,md,png} and the table section of docs/performance.md, all three from
// bench.json; `tsx bench/bench.ts --report [--quick]` writes them again from bench.json without measuring.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { receiverSchema } from '../src/config/schema.js';
import { writeGeneratedSection } from '../test/helpers/generated-doc.js';
import { renderChartPage } from './bench-chart.js';
import { benchMarkdown, performanceSection, type BenchResults, type ReceiverRow } from './bench-report.js';
import { startBaseline } from './baseline-process.js';
import { PEERS, cleanupPeers, filePeer, lineCounter } from './e2e-peers.js';
import { measureBaseline, measureEndToEnd, withRedis } from './end-to-end-run.js';
import { startForwarder, type ForwarderProcess } from './forwarder-process.js';
import { measureNormalize, stringifyReference } from './normalize-measure.js';
import {
  fiveIssuePayload,
  payloadOfSize,
  pingPayload,
  signedBodies,
  syntheticPayload,
  syntheticSnapshot,
  type Payload,
} from './payloads.js';
import { round, stopAll, waitUntil, withinLimit } from './phase.js';
import { postLoad } from './post-webhook.js';
import { sampleForwarder } from './process-sampler.js';
import { loadReceiver } from './receiver-load.js';
import { measureRedis } from './redis-context.js';
import { screenshotPage } from './screenshot.js';

const QUICK = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const SECRET = 'bench-suite-secret-0123456789abcdef';
const MIB = 1024 * 1024;

/**
 * Sizes and time budgets of each part. The full run's budgets keep it under 10 minutes on 2 cores (build included)
 * however slow the forwarder is; the quick run is a smoke test of the same code, about a minute on an idle machine.
 */
const SIZE = QUICK
  ? {
      overallLimitMs: 170_000,
      receiverSeconds: 1,
      bodies: { ping: 10_000, '5 issues': 1_500, '500 issues': 16 },
      connections: [1, 64],
      // A smoke run goes on with a busy forwarder rather than spend seconds starting another.
      drainLimitMs: 1_000,
      replaceBusyForwarder: false,
      e2eSnapshots: 40,
      e2eBudgetMs: 20_000,
      e2eConcurrency: 16,
      largeSnapshots: 2,
      normalizeSeconds: 0.3,
      redisRequests: 5_000,
      stepLimitMs: 60_000,
    }
  : {
      overallLimitMs: 560_000,
      receiverSeconds: 4,
      bodies: { ping: 100_000, '5 issues': 12_000, '500 issues': 150 },
      connections: [1, 16, 64],
      drainLimitMs: 5_000,
      replaceBusyForwarder: true,
      e2eSnapshots: 2_000,
      e2eBudgetMs: 30_000,
      e2eConcurrency: 64,
      largeSnapshots: 16,
      normalizeSeconds: 2,
      redisRequests: 100_000,
      stepLimitMs: 180_000,
    };
const CONNECTIONS = SIZE.connections;
const LARGE_CONCURRENCY = 8;
const TEN_MIB = 10 * MIB;

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const OUT_DIR = QUICK ? join(tmpdir(), 'snyk-siem-forwarder-bench-quick') : RESULTS_DIR;
const PERFORMANCE_DOC = new URL('../docs/performance.md', import.meta.url);

function log(message: string): void {
  console.log(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

/** True once the forwarder's ingest and target queues hold nothing to do; false if not within `limitMs`. */
async function drained(forwarder: ForwarderProcess, limitMs: number): Promise<boolean> {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const depth = await forwarder.queueDepth();
    if (depth.ingest + depth.target === 0) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LOG_LEVEL = 'error';
const startOwnForwarder = () => startForwarder({ secret: SECRET, logLevel: LOG_LEVEL });

/**
 * Part 1: both receivers under the same autocannon load, one run after the other. Each run starts on an idle
 * forwarder: the backlog of the previous run is left to drain for a while, and a forwarder still busy after that is
 * replaced by a fresh one (killed with its backlog), so the time stays bounded however slow the workers are.
 */
async function receiverPart(payloads: Payload[]): Promise<ReceiverRow[]> {
  const rows: ReceiverRow[] = [];
  await withRedis(async (redis) => {
    const baseline = await startBaseline(redis.url, SECRET);
    let forwarder = await startOwnForwarder();
    try {
      for (const payload of payloads) {
        for (const connections of CONNECTIONS) {
          const bodies = SIZE.bodies[payload.name as keyof typeof SIZE.bodies];
          const options = { payload, secret: SECRET, connections, seconds: SIZE.receiverSeconds, bodies };
          const idle = await drained(forwarder, SIZE.drainLimitMs);
          if (!idle && SIZE.replaceBusyForwarder) {
            await forwarder.kill();
            forwarder = await startOwnForwarder();
          }
          const base = await loadReceiver({ ...options, url: baseline.url });
          // The baseline keeps nothing between runs, as the forwarder's completed jobs keep no body.
          await baseline.clear();
          const sampler = sampleForwarder(forwarder);
          const own = await loadReceiver({ ...options, url: forwarder.url });
          const sampled = await sampler.stop();
          rows.push({
            payload: payload.name,
            connections,
            baseline: base,
            forwarder: own,
            ratio: base.requestsPerSecond > 0 ? round(own.requestsPerSecond / base.requestsPerSecond, 2) : 0,
            freshForwarder: !idle && SIZE.replaceBusyForwarder,
            backlogBefore: !idle && !SIZE.replaceBusyForwarder,
            peakForwarderRssMiB: sampled.peakForwarderRssMiB,
            peakRedisRssMiB: sampled.peakRedisRssMiB,
            peakIngestDepth: sampled.peakIngestDepth,
            peakTargetDepth: sampled.peakTargetDepth,
          });
          log(
            `receiver ${payload.name} × ${connections}: baseline ${base.requestsPerSecond}/s (p99 ${base.p99Ms} ms), ` +
              `forwarder ${own.requestsPerSecond}/s (p99 ${own.p99Ms} ms, ${own.non2xx} non-2xx, ` +
              `${own.errors} errors)${idle ? '' : SIZE.replaceBusyForwarder ? ', on a fresh forwarder (the last one had not drained)' : ', with the last backlog still draining'}`,
          );
        }
      }
    } finally {
      await forwarder.kill();
      await baseline.stop();
    }
  });
  return rows;
}

/** Part 2: 5-issue snapshots end to end to each peer, beside the baseline's accepted findings/s. */
async function endToEndPart(payload: Payload): Promise<BenchResults['endToEnd']> {
  const options = {
    payload,
    snapshots: SIZE.e2eSnapshots,
    concurrency: SIZE.e2eConcurrency,
    secret: SECRET,
    limitMs: SIZE.stepLimitMs,
  };
  const baseline = await measureBaseline(options);
  const acceptedFindingsPerSecond = baseline.requestsPerSecond * payload.issues;
  log(
    `end to end: baseline ${baseline.requestsPerSecond} requests/s, ${acceptedFindingsPerSecond} findings/s accepted`,
  );
  const runs = [];
  for (const [name, peerFor] of Object.entries(PEERS)) {
    const run = await measureEndToEnd(name, peerFor, {
      ...options,
      sample: true,
      logLevel: LOG_LEVEL,
      budgetMs: SIZE.e2eBudgetMs,
    });
    runs.push({ ...run, ratio: round(run.findingsPerSecond / acceptedFindingsPerSecond, 2) });
    log(
      `end to end → ${name}: ${run.findingsPerSecond} findings/s (receiver ${run.receiver.requestsPerSecond}/s, ` +
        `p99 ${run.receiver.p99Ms} ms; peak depth ingest ${run.sampled?.peakIngestDepth}, target ` +
        `${run.sampled?.peakTargetDepth}; peak RSS ${run.sampled?.peakForwarderRssMiB} MiB)` +
        (run.complete ? '' : `; budget ran out at ${run.records} of ${run.expected} records`),
    );
  }
  return {
    snapshots: options.snapshots,
    concurrency: options.concurrency,
    issuesPerSnapshot: payload.issues,
    baseline,
    acceptedFindingsPerSecond,
    runs,
  };
}

/** Part 3a: normalise + encode alone, per format, as bench:normalize measures it. */
function normalizePart(): BenchResults['normalize'] {
  const body = syntheticSnapshot(1000) as { newIssues: unknown[] };
  const results = (['cef', 'leef', 'ecs', 'json'] as const).map((format) =>
    measureNormalize(body, format, SIZE.normalizeSeconds),
  );
  for (const r of results) log(`normalise + encode ${r.format}: ${r.findingsPerSecond} findings/s`);
  return {
    issuesPerSnapshot: 1000,
    results,
    reference: stringifyReference(body.newIssues, SIZE.normalizeSeconds),
  };
}

/** Part 3b: 500-issue snapshots delivered end to end, against normalise + encode alone on the same body. */
async function largePart(payload: Payload): Promise<BenchResults['large']> {
  const run = await measureEndToEnd('file', filePeer, {
    payload,
    snapshots: SIZE.largeSnapshots,
    concurrency: LARGE_CONCURRENCY,
    secret: SECRET,
    limitMs: SIZE.stepLimitMs,
    sample: true,
    logLevel: LOG_LEVEL,
    budgetMs: SIZE.e2eBudgetMs,
  });
  const alone = measureNormalize(
    JSON.parse(payload.template.toString('utf8')) as { newIssues: unknown[] },
    'json',
    SIZE.normalizeSeconds,
  );
  log(
    `500 issues end to end to the file: ${run.findingsPerSecond} findings/s; alone ${alone.findingsPerSecond}/s`,
  );
  return {
    snapshots: SIZE.largeSnapshots,
    concurrency: LARGE_CONCURRENCY,
    issuesPerSnapshot: payload.issues,
    snapshotBytes: payload.template.length,
    endToEnd: run,
    normalizeAlone: alone,
    ratio: round(run.findingsPerSecond / alone.findingsPerSecond, 2),
  };
}

/** Part 3c: one 10 MiB snapshot accepted, normalised and delivered by a fresh forwarder on its defaults. */
async function tenMiBPart(payload: Payload): Promise<BenchResults['tenMiB']> {
  const maxBodyBytes = receiverSchema.parse({}).maxBodyBytes;
  if (payload.template.length > maxBodyBytes)
    throw new Error(
      `the ${payload.template.length}-byte snapshot is over receiver.maxBodyBytes (${maxBodyBytes})`,
    );
  const forwarder = await startOwnForwarder();
  try {
    const idle = sampleForwarder(forwarder);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await idle.stop();
    const received = lineCounter(forwarder.defaultTargetFile);
    const sampler = sampleForwarder(forwarder);
    const [signed] = signedBodies(payload, 1, SECRET);
    if (signed === undefined) throw new Error('no body');
    const started = performance.now();
    const answer = await postLoad(forwarder.url, [signed], {
      concurrency: 1,
      secret: SECRET,
      event: payload.event,
      limitMs: SIZE.stepLimitMs,
    });
    if (answer.accepted !== 1) throw new Error('the 10 MiB snapshot was refused');
    const expected = payload.issues + 1;
    await waitUntil('the 10 MiB snapshot delivered', () => received() >= expected, SIZE.stepLimitMs);
    const seconds = round((performance.now() - started) / 1000, 2);
    const sampled = await sampler.stop();
    log(
      `10 MiB snapshot: delivered in ${seconds} s; forwarder peak RSS ${sampled.peakForwarderRssMiB} MiB ` +
        `(VmHWM ${sampled.forwarderHwmMiB}), redis-server ${sampled.peakRedisRssMiB} MiB`,
    );
    return {
      snapshotBytes: payload.template.length,
      issues: payload.issues,
      maxBodyBytes,
      acceptMs: answer.p50Ms,
      deliveredSeconds: seconds,
      idleForwarderRssMiB: before.peakForwarderRssMiB,
      idleRedisRssMiB: before.peakRedisRssMiB,
      peakForwarderRssMiB: sampled.peakForwarderRssMiB,
      forwarderHwmMiB: sampled.forwarderHwmMiB,
      peakRedisRssMiB: sampled.peakRedisRssMiB,
      redisHwmMiB: sampled.redisHwmMiB,
    };
  } finally {
    await forwarder.stop();
  }
}

/** The commit measured, and whether tracked files differ from it (`dist/` is built from the working tree). */
function revision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    });
    return changed.trim() === '' ? commit : `${commit} with uncommitted changes`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

function kernelVersion(): string {
  return readFileSync('/proc/version', 'utf8').split(' ')[2] ?? 'unknown';
}

async function main(): Promise<void> {
  const ranAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((n) => round(n, 2));
  const ping = pingPayload();
  const five = fiveIssuePayload();
  const fiveHundred = syntheticPayload(500);
  const tenMiB = payloadOfSize(TEN_MIB, '10 MiB');
  log(`${QUICK ? 'quick' : 'full'} run; load average ${loadAverageAtStart.join(' ')}`);

  const part = <T>(name: string, limitMs: number, run: () => Promise<T>) => {
    log(`${name} …`);
    return withinLimit(name, limitMs, run);
  };
  const receiver = await part('receiver', SIZE.overallLimitMs, () => receiverPart([ping, five, fiveHundred]));
  const endToEnd = await part('end to end', SIZE.overallLimitMs, () => endToEndPart(five));
  const large = await part('500-issue end to end', SIZE.stepLimitMs * 2, () => largePart(fiveHundred));
  const tenMiBResult = await part('10 MiB snapshot', SIZE.stepLimitMs * 2, () => tenMiBPart(tenMiB));
  const normalize = normalizePart();
  const redis = await part('redis-benchmark', SIZE.stepLimitMs, () =>
    measureRedis(SIZE.redisRequests, 60_000),
  );
  log(
    `redis-benchmark: ${redis.rows.map((r) => `${r.command} -P ${r.pipeline} ${r.requestsPerSecond}/s`).join(', ')}`,
  );

  const results: BenchResults = {
    ranAt,
    mode: QUICK ? 'quick' : 'full',
    wallSeconds: 0,
    conditions: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: [],
      node: process.version,
      kernel: kernelVersion(),
      revision: revision(),
      redis: redis.version,
      durability: {
        redis:
          'appendonly yes, appendfsync everysec, save "", maxmemory-policy noeviction (embedded redis-server and the bench\'s own)',
        fileTarget:
          'fsync of the file before a file target job completes (group commit), the forwarder default',
      },
      forwarder: `built CLI \`start\`, role all (receiver and workers in one process), embedded Redis, LOG_LEVEL=${LOG_LEVEL}`,
      payloads: [ping, five, fiveHundred, tenMiB].map((p) => ({
        name: p.name,
        issues: p.issues,
        bytes: p.template.length,
      })),
      connections: CONNECTIONS,
      receiverSecondsPerRun: SIZE.receiverSeconds,
      distinctBodiesPerRun: SIZE.bodies,
      sizes: SIZE,
    },
    receiver,
    endToEnd,
    normalize,
    large,
    tenMiB: tenMiBResult,
    redisBenchmark: redis,
  };
  results.conditions.loadAverageAtEnd = loadavg().map((n) => round(n, 2));
  results.wallSeconds = round((performance.now() - benchStarted) / 1000, 1);

  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  await report();
}

/** bench.md, the chart and the page's table, all from bench.json (also alone: `--report`, after editing the layout). */
async function report(): Promise<void> {
  const results = JSON.parse(readFileSync(join(OUT_DIR, 'bench.json'), 'utf8')) as BenchResults;
  writeFileSync(join(OUT_DIR, 'bench.md'), benchMarkdown(results));
  rmSync(join(OUT_DIR, 'bench.png'), { force: true });
  await withinLimit('the chart', 60_000, () =>
    screenshotPage(renderChartPage(results), join(OUT_DIR, 'bench.png')),
  );
  const section = performanceSection(results);
  if (results.mode === 'quick') writeFileSync(join(OUT_DIR, 'performance-section.md'), section);
  else writeGeneratedSection('bench', section, PERFORMANCE_DOC);
  log(
    `written: ${join(OUT_DIR, 'bench.{json,md,png}')}${results.mode === 'quick' ? '' : ' and docs/performance.md'}`,
  );
}

const benchStarted = performance.now();
let exitCode = 0;
const abort = (reason: string) => {
  console.error(`bench aborted: ${reason}`);
  void stopAll().finally(() => process.exit(1));
};
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));
try {
  await withinLimit('npm run bench', SIZE.overallLimitMs, process.argv.includes('--report') ? report : main);
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await stopAll();
  cleanupPeers();
}
process.exit(exitCode);
