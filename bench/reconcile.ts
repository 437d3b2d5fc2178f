// Reconciliation cost per 1,000 projects against a local fake of Snyk's REST API, and the forwarded set's bytes per finding.
// Usage: npm run bench:reconcile [-- projects [issuesPerProject [missingPercent]]]   Writes bench/results/reconcile.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { configSchema } from '../src/config/schema.js';
import { createRecordEmitter } from '../src/reconcile/emit.js';
import { reconcileOrg, type ReconcileSummary } from '../src/reconcile/run.js';
import { workerConnectionOptions } from '../src/redis/connection.js';
import { forwardedKey, recordForwarded, snapshotsKey } from '../src/snyk/reconcile/forwarded-set.js';
import { snapshotDelta, type SnapshotDelta } from '../src/snyk/reconcile/snapshot-delta.js';
import { createSnykRestClient } from '../src/snyk/rest-client.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startSnykRestPeer } from '../test/helpers/peers/snyk-rest-peer.js';
import { startTestRedis } from '../test/helpers/redis-server.js';

const PROJECTS = Number(process.argv[2] ?? 1000);
const ISSUES = Number(process.argv[3] ?? 10);
const MISSING_PERCENT = Number(process.argv[4] ?? 10);
const PREFIX = 'bench-reconcile';
const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const TOKEN = 'bench-token-0123456789';
const TESTED = '2026-10-01T09:00:00.000Z';

// Issues of a real public snapshot, cycled with their package versions varied so that every key is distinct.
const sample = JSON.parse(
  readFileSync(
    new URL(
      '../test/fixtures/snyk/project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
      import.meta.url,
    ),
    'utf8',
  ),
) as {
  project: Record<string, unknown>;
  org: Record<string, unknown>;
  newIssues: Array<Record<string, unknown>>;
};

function issuesOf(project: number): Array<Record<string, unknown>> {
  return Array.from({ length: ISSUES }, (_, n) => {
    const base = sample.newIssues[n % sample.newIssues.length] as Record<string, unknown>;
    return { ...base, pkgVersions: [`${n}.${project}.0`] };
  });
}

const projectId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const redis = await startTestRedis();
const peer = await startSnykRestPeer({ token: TOKEN });
const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-reconcile-'));
const connection = workerConnectionOptions(redis.url);
const queue = new Queue('reconcile', { connection, prefix: PREFIX });
const raw = new Redis(redis.url);
try {
  const client = await queue.backend.client;
  let forwardedFindings = 0;
  for (let p = 0; p < PROJECTS; p += 1) {
    const id = projectId(p);
    const issues = issuesOf(p);
    peer.addProject(ORG, {
      id,
      name: `acme/app-${p}:package.json`,
      type: 'npm',
      origin: 'github',
      testedAt: TESTED,
    });
    for (const issue of issues)
      peer.addIssue(ORG, {
        projectId: id,
        webhookIssue: issue,
        status: 'open',
        createdAt: TESTED,
        updatedAt: TESTED,
      });
    // Every project but MISSING_PERCENT of them had its snapshot delivered, through the ingest worker's own hook.
    if ((p * 100) / PROJECTS >= MISSING_PERCENT) {
      const body = JSON.stringify({ ...sample, project: { ...sample.project, id }, newIssues: issues });
      await recordForwarded(client, PREFIX, snapshotDelta(JSON.parse(body)) as SnapshotDelta, TESTED);
      forwardedFindings += issues.length;
    }
  }

  // Bytes per open finding: every project hash of the forwarded set, as Redis accounts it.
  let setBytes = 0;
  for (let p = 0; p < PROJECTS; p += 1)
    setBytes += Number(
      (await raw.call('MEMORY', 'USAGE', forwardedKey(PREFIX, projectId(p)), 'SAMPLES', '0')) ?? 0,
    );
  const snapshotBytes = Number(
    (await raw.call('MEMORY', 'USAGE', snapshotsKey(PREFIX), 'SAMPLES', '0')) ?? 0,
  );

  const config = configSchema.parse({
    redis: { url: redis.url, prefix: PREFIX },
    targets: [{ name: 'archive', type: 'file', format: 'json', path: join(dir, 'out.ndjson') }],
  });
  const emitter = createRecordEmitter({ connection, config });
  const logger = createLogger({ level: 'warn', format: 'json', stream: new PassThrough() });
  const rest = createSnykRestClient({ apiUrl: peer.url, token: TOKEN });
  const timedRun = async (full: boolean): Promise<ReconcileSummary & { ms: number }> => {
    const started = performance.now();
    const summary = await reconcileOrg({
      org: ORG,
      rest,
      redis: client,
      prefix: PREFIX,
      emitter,
      logger,
      full,
    });
    return { ...summary, ms: Math.round(performance.now() - started) };
  };
  const first = await timedRun(true);
  const incremental = await timedRun(false);
  const fullAgain = await timedRun(true);
  await emitter.close();
  rest.close();

  // The ingest worker's hook on the largest snapshot the receiver takes (about 20,000 issues): how long writing its
  // delta takes and the longest pause of the event loop meanwhile (fan-out reads the delta from the payload it parses).
  const docsIssue = JSON.parse(
    readFileSync(new URL('../test/fixtures/snyk/issue-object.snyk-docs.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const largeBody = JSON.stringify({
    ...sample,
    project: { ...sample.project, id: 'large-snapshot' },
    newIssues: Array.from({ length: 20_000 }, (_, n) => ({ ...docsIssue, id: `SNYK-LARGE-${n}` })),
  });
  const largeDelta = snapshotDelta(JSON.parse(largeBody)) as SnapshotDelta;
  const hookRuns: Array<{ ms: number; longestPauseMs: number }> = [];
  for (let round = 0; round < 3; round += 1) {
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    await recordForwarded(client, PREFIX, largeDelta, TESTED);
    clearInterval(timer);
    hookRuns.push({ ms: Math.round(performance.now() - started), longestPauseMs: Math.round(longest) });
  }
  const parseStarted = performance.now();
  JSON.parse(largeBody);
  const oneParseMs = Math.round(performance.now() - parseStarted);

  const per1000 = (n: number) => Math.round((n * 1000) / PROJECTS);
  const describe = (run: ReconcileSummary & { ms: number }) => ({
    requests: run.requests,
    requestsPer1000Projects: per1000(run.requests),
    ms: run.ms,
    msPer1000Projects: per1000(run.ms),
    introduced: run.introduced,
    resolved: run.resolved,
  });
  const result = {
    projects: PROJECTS,
    openIssuesPerProject: ISSUES,
    openFindings: PROJECTS * ISSUES,
    projectsWithLostSnapshot: Math.round((PROJECTS * MISSING_PERCENT) / 100),
    fullRunAfterLoss: describe(first),
    incrementalRun: describe(incremental),
    fullRunNothingMissing: describe(fullAgain),
    forwardedSet: {
      findings: forwardedFindings,
      bytes: setBytes,
      bytesPerOpenFinding: Math.round(setBytes / Math.max(1, forwardedFindings)),
      lastSnapshotHashBytes: snapshotBytes,
    },
    largeSnapshotHook: {
      bodyBytes: Buffer.byteLength(largeBody),
      issues: 20_000,
      runs: hookRuns,
      oneJsonParseMs: oneParseMs,
    },
    note: 'Loopback fake: no network latency. Requests are paced by the token bucket (1,620 a minute).',
    machine: { cpus: cpus().length, loadavg: loadavg().map((n) => Math.round(n * 100) / 100) },
    at: new Date().toISOString(),
  };
  writeFileSync(new URL('./results/reconcile.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  raw.disconnect();
  await queue.close();
  await peer.close();
  await redis.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
