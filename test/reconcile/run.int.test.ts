// Reconciliation end to end: a forwarder with a file target, a lost webhook, and a local fake of Snyk's REST API.
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type Config } from '../../src/config/schema.js';
import { createRecordEmitter, type RecordEmitter } from '../../src/reconcile/emit.js';
import { reconcileOrg, type ReconcileOptions } from '../../src/reconcile/run.js';
import { lastFullKey, readRunState, readWatermark, watermarkKey } from '../../src/reconcile/run-state.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { SnykApiError } from '../../src/snyk/api-error.js';
import { forwardedKey } from '../../src/snyk/reconcile/forwarded-set.js';
import { createSnykRestClient, type SnykRestClientOptions } from '../../src/snyk/rest-client.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { useForwarder, waitFor } from '../helpers/forwarder.js';
import { seedFromSnapshot, startSnykRestPeer, type SnykRestPeer } from '../helpers/peers/snyk-rest-peer.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const TOKEN = 'rest-test-token-0123456789';
const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const LONG_AGO = '2026-10-01T09:00:00.000Z';

type Snapshot = {
  project: { id: string; name: string; type: string; origin: string; branch?: string };
  newIssues: Array<Record<string, unknown>>;
};
const snapshot = (name: string) => JSON.parse(fixture(name).toString('utf8')) as Snapshot;
const DELIVERED = [
  'project_snapshot-v0.snyk-docs-slack-lambda-postman.json',
  'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
];
// The delivery that is never sent: Snyk tested the project, the webhook was lost.
const LOST = 'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json';

/** Every project and open issue of the snapshots, as Snyk's REST API would list them after the tests. */
function seed(peer: SnykRestPeer, org: string, names: readonly string[], projectSuffix = ''): void {
  for (const name of names) {
    const body = snapshot(name);
    seedFromSnapshot(peer, org, body, LONG_AGO, `${body.project.id}${projectSuffix}`);
  }
}

const fixtureState = useForwarder();
let peer: SnykRestPeer;
let config: Config;
let queue: Queue;
let emitter: RecordEmitter;
const logStream = new PassThrough();
const logger = createLogger({ level: 'warn', format: 'json', stream: logStream });
const clients: Array<{ close(): void }> = [];

beforeAll(async () => {
  peer = await startSnykRestPeer({ token: TOKEN, pageSize: 2 });
  const { forwarder, redis } = fixtureState;
  config = configSchema.parse({
    redis: { url: redis.url, prefix: forwarder.prefix },
    targets: [{ name: 'out', type: 'file', format: 'json', path: forwarder.outFile }],
  });
  queue = new Queue('reconcile', {
    connection: workerConnectionOptions(redis.url),
    prefix: forwarder.prefix,
  });
  emitter = createRecordEmitter({ connection: workerConnectionOptions(redis.url), config });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await emitter.close();
  await queue.close();
  await peer.close();
});

afterEach(() => {
  // Whatever a test did, no request broke the REST contract (version, limit, paths, Retry-After).
  expect(peer.problems).toEqual([]);
});

function rest(options: Partial<SnykRestClientOptions> = {}) {
  const client = createSnykRestClient({ apiUrl: peer.url, token: TOKEN, ...options });
  clients.push(client);
  return client;
}

async function run(overrides: Partial<ReconcileOptions> = {}) {
  return reconcileOrg({
    org: ORG,
    rest: rest(),
    redis: await queue.backend.client,
    prefix: fixtureState.forwarder.prefix,
    emitter,
    logger,
    settleMs: 0,
    ...overrides,
  });
}

/** The reconciled records the file target wrote. */
const reconciled = () => fixtureState.forwarder.records().filter((record) => record['reconciled'] === true);

/** Waits until every target job is delivered, so that a count of the file cannot miss a record on its way. */
async function drained(): Promise<void> {
  const target = new Queue('target-out', {
    connection: workerConnectionOptions(fixtureState.redis.url),
    prefix: fixtureState.forwarder.prefix,
  });
  try {
    await waitFor(
      async () => {
        const counts = await target.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      },
      20_000,
      'the target queue to drain',
    );
  } finally {
    await target.close();
  }
}

describe('reconcile after a lost delivery', () => {
  it('emits exactly the missing findings once, marked reconciled, and a second run emits nothing', async () => {
    const { forwarder } = fixtureState;
    seed(peer, ORG, [...DELIVERED, LOST]);
    for (const name of DELIVERED)
      expect((await postWebhook(forwarder.webhookUrl, fixture(name))).status).toBe(202);
    // 1 + 3 findings and one summary per snapshot.
    await waitFor(() => forwarder.records().length === 6, 20_000, 'the webhook records');
    const redis = await queue.backend.client;
    for (const name of DELIVERED)
      await waitFor(
        async () =>
          Object.keys(await redis.hgetall(forwardedKey(forwarder.prefix, snapshot(name).project.id))).length >
          0,
        20_000,
        'the forwarded set',
      );
    const webhookIds = new Set(forwarder.records().map((record) => record['record_id']));

    const first = await run();
    expect(first).toMatchObject({
      mode: 'full',
      introduced: 5,
      resolved: 0,
      projects: 3,
      queued: { out: 5 },
    });
    // The project of the lost delivery was tested (by Snyk's counts) and never snapshotted here.
    expect(first.projectsBehind).toBeGreaterThanOrEqual(1);
    await waitFor(() => reconciled().length === 5, 20_000, 'the reconciled records');
    await drained();

    const lost = snapshot(LOST);
    const records = reconciled();
    expect(records.map((r) => r['issue_id']).sort()).toEqual(lost.newIssues.map((i) => i['id']).sort());
    for (const record of records) {
      expect(record).toMatchObject({
        action: 'issue_introduced',
        kind: 'finding',
        project_id: lost.project.id,
        project_name: lost.project.name,
        org_id: ORG,
        package_name: 'rsa',
        package_versions: ['3.1.2'],
      });
      expect(webhookIds.has(record['record_id'])).toBe(false);
    }
    expect(new Set(records.map((r) => r['record_id'])).size).toBe(5);

    // Everything is forwarded now: neither a run from the watermark nor a full one finds anything.
    expect(await run()).toMatchObject({ mode: 'incremental', introduced: 0, resolved: 0 });
    expect(await run({ full: true })).toMatchObject({ mode: 'full', introduced: 0, resolved: 0 });
    await drained();
    expect(reconciled()).toHaveLength(5);
    expect(forwarder.records()).toHaveLength(11);
  });

  it('reports a forwarded issue Snyk resolved without a webhook as resolved, in incremental and full runs', async () => {
    const postman = snapshot(DELIVERED[0] as string);
    const goof = snapshot(DELIVERED[1] as string);
    peer.resolve(ORG, postman.project.id, 'SNYK-JS-SCSSTOKENIZER-2339884', new Date().toISOString());
    expect(await run()).toMatchObject({ mode: 'incremental', introduced: 0, resolved: 1 });
    await waitFor(() => reconciled().length === 6, 20_000, 'the resolved record');

    // A full run finds the resolution by its absence from the open issues, and describes it from the resolved ones.
    peer.resolve(ORG, goof.project.id, 'npm:ms:20151024', LONG_AGO);
    expect(await run({ full: true })).toMatchObject({ mode: 'full', introduced: 0, resolved: 1 });
    await waitFor(() => reconciled().length === 7, 20_000, 'the second resolved record');
    await drained();
    const resolved = reconciled().filter((r) => r['action'] === 'issue_resolved');
    expect(resolved.map((r) => [r['project_id'], r['issue_id'], r['open_delta']])).toEqual([
      [postman.project.id, 'SNYK-JS-SCSSTOKENIZER-2339884', -1],
      [goof.project.id, 'npm:ms:20151024', -1],
    ]);
    expect(resolved[1]).toMatchObject({ issue_title: expect.any(String) as string, package_name: 'ms' });

    expect(await run({ full: true })).toMatchObject({ introduced: 0, resolved: 0 });
    await drained();
    expect(reconciled()).toHaveLength(7);

    // An issue Snyk no longer lists at all is resolved with what the forwarded set knows: id, package, severity.
    peer.forget(ORG, goof.project.id, 'npm:braces:20180219');
    expect(await run({ full: true })).toMatchObject({ introduced: 0, resolved: 1 });
    await waitFor(() => reconciled().length === 8, 20_000, 'the resolved record of a vanished issue');
    expect(reconciled().at(-1)).toMatchObject({
      action: 'issue_resolved',
      issue_id: 'npm:braces:20180219',
      package_name: 'braces',
      package_versions: ['1.8.5'],
      severity: 'low',
      issue_title: '',
      reconciled: true,
    });
  });
});

describe('the REST client within a run', () => {
  const OTHER = '0f3c2b1a-0000-4000-8000-0000000000bb';

  /** A run of another org into its own prefix: records stay in its queue (no worker), counted there. */
  async function isolatedRun(
    prefix: string,
    restOptions: Partial<SnykRestClientOptions>,
    extra: Partial<ReconcileOptions> = {},
  ) {
    const own = createRecordEmitter({
      connection: workerConnectionOptions(fixtureState.redis.url),
      config: { ...config, redis: { ...config.redis, prefix } },
    });
    try {
      return await reconcileOrg({
        org: OTHER,
        rest: rest(restOptions),
        redis: await queue.backend.client,
        prefix,
        emitter: own,
        logger,
        settleMs: 0,
        ...extra,
      });
    } finally {
      await own.close();
    }
  }

  async function queuedRecordIds(prefix: string): Promise<string[]> {
    const target = new Queue('target-out', {
      connection: workerConnectionOptions(fixtureState.redis.url),
      prefix,
    });
    try {
      const jobs = await target.getJobs(['waiting', 'delayed', 'prioritized']);
      return jobs.flatMap((job) => (job.data as { records: Array<{ id: string }> }).records.map((r) => r.id));
    } finally {
      await target.close();
    }
  }

  it('waits for Retry-After on a 429 (no request before it passes) and retries a 5xx', async () => {
    if (!peer.projects.has(OTHER)) seed(peer, OTHER, [LOST], '-other');
    peer.fail({ status: 429, retryAfter: '1', times: 1, pathIncludes: '/issues', after: 1 });
    peer.fail({ status: 503, times: 2, pathIncludes: '/projects' });
    const started = Date.now();
    const summary = await isolatedRun('tra', { sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    expect(summary.introduced).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    // 2 project requests failed, 1 answered; 3 issue pages, one of them answered 429 first.
    expect(summary.requests).toBe(3 + 4);
    expect(await queuedRecordIds('tra')).toHaveLength(5);
  });

  it("waits Snyk's one-minute interval on a 429 without Retry-After", async () => {
    if (!peer.projects.has(OTHER)) seed(peer, OTHER, [LOST], '-other');
    peer.fail({ status: 429, times: 1, pathIncludes: '/issues' });
    const waits: number[] = [];
    const summary = await isolatedRun('trb', {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(summary.introduced).toBe(5);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(59_000);
  });

  it('resumes an interrupted run from its saved cursor and emits each finding once', async () => {
    if (!peer.projects.has(OTHER)) seed(peer, OTHER, [LOST], '-other');
    const noWait = { attempts: 2, sleep: async () => undefined };
    // The second page of issues fails for good: the run stops there.
    peer.fail({ status: 500, times: 2, pathIncludes: '/issues', after: 1 });
    const failed = await isolatedRun('trc', noWait).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(SnykApiError);
    const saved = await readRunState(await queue.backend.client, 'trc', OTHER);
    expect(saved).toMatchObject({ phase: 'issues', page: 1 });
    expect(saved?.next).toContain('starting_after=');
    const idsAfterFailure = await queuedRecordIds('trc');
    expect(idsAfterFailure).toHaveLength(2);

    peer.clearFaults();
    const from = peer.requests.length;
    const resumed = await isolatedRun('trc', noWait);
    expect(resumed).toMatchObject({ resumed: true, introduced: 3, mode: 'full' });
    // The resumed run asked for the page it stopped at, not the first one, and read no project again.
    const first = peer.requests[from];
    expect(first?.path).toBe(`/rest/orgs/${OTHER}/issues`);
    expect(first?.query.get('starting_after')).toBe(
      new URL(saved?.next ?? '', 'http://x').searchParams.get('starting_after'),
    );
    const ids = await queuedRecordIds('trc');
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(await readRunState(await queue.backend.client, 'trc', OTHER)).toBeUndefined();
  });

  it('moves the watermark only past windows it read in full', async () => {
    if (!peer.projects.has(OTHER)) seed(peer, OTHER, [LOST], '-other');
    const redis = await queue.backend.client;
    await redis.set(watermarkKey('tre', OTHER), '2026-01-01T00:00:00.000Z');
    // A narrower window than the watermark's leaves it: the issues before the window are still unread.
    const narrow = await isolatedRun('tre', {}, { since: new Date(Date.now() - 3_600_000).toISOString() });
    expect(narrow.mode).toBe('incremental');
    expect(await readWatermark(redis, 'tre', OTHER)).toBe('2026-01-01T00:00:00.000Z');
    // A run from the watermark reads everything since; the next one starts where it ended.
    const wide = await isolatedRun('tre', {});
    expect(wide).toMatchObject({ mode: 'incremental', since: '2026-01-01T00:00:00.000Z' });
    expect(await readWatermark(redis, 'tre', OTHER)).toBe(wide.until);
  });

  it('reads every open issue again once the last full run is older than fullEveryMs', async () => {
    if (!peer.projects.has(OTHER)) seed(peer, OTHER, [LOST], '-other');
    const redis = await queue.backend.client;
    const day = 24 * 3_600_000;
    expect(await isolatedRun('trf', {}, { fullEveryMs: day })).toMatchObject({ mode: 'full', introduced: 5 });
    expect(await isolatedRun('trf', {}, { fullEveryMs: day })).toMatchObject({ mode: 'incremental' });
    await redis.set(lastFullKey('trf', OTHER), new Date(Date.now() - 2 * day).toISOString());
    expect(await isolatedRun('trf', {}, { fullEveryMs: day })).toMatchObject({ mode: 'full', introduced: 0 });
  });
});
