// The admin listener of a running forwarder: /metrics from zero, after real traffic and a backlog, its token, its probes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { QUEUE_STATES } from '../../src/queue/queue-stats.js';
import { METRICS, METRIC_PREFIX, WEBHOOK_OUTCOMES } from '../../src/telemetry/metrics.js';
import { freePort } from '../helpers/free-port.js';
import {
  startForwarder,
  TEST_SECRET,
  useForwarder,
  waitFor,
  type TestForwarder,
} from '../helpers/forwarder.js';
import { scrapeMetrics } from '../helpers/metrics.js';
import { fixture, freshSnapshot, postWebhook } from '../helpers/webhook.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'ssf-admin-'));
// Nothing listens there: every attempt of the "down" target fails with network_error, and its jobs pile up.
const closedPort = await freePort();
const BACKLOG = 4;

const fx = useForwarder({
  config: {
    receiver: { maxBodyBytes: 256 * 1024 },
    admin: { token: ADMIN_TOKEN },
    targets: [
      { name: 'out', type: 'file', format: 'json', path: join(dir, 'out.ndjson') },
      {
        name: 'summaries',
        type: 'file',
        format: 'json',
        path: join(dir, 'summaries.ndjson'),
        filter: { actions: ['summary'] },
      },
      {
        name: 'down',
        type: 'http',
        format: 'json',
        url: `http://127.0.0.1:${closedPort}/ingest`,
        timeoutMs: 2000,
      },
    ],
  },
});

const others: TestForwarder[] = [];
afterAll(async () => {
  for (const forwarder of others) await forwarder.stop();
  rmSync(dir, { recursive: true, force: true });
});

const admin = () => fx.forwarder.daemon.adminUrl;
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('the admin listener', () => {
  it('exports every metric with the prefix, and every known series at 0, before anything happened', async () => {
    const scrape = await scrapeMetrics(admin());
    expect(scrape.status).toBe(200);
    expect(scrape.contentType).toContain('text/plain');
    for (const name of Object.keys(METRICS)) expect(scrape.text).toContain(`# TYPE ${METRIC_PREFIX}${name} `);
    for (const sample of scrape.samples) expect(sample.name.startsWith(METRIC_PREFIX)).toBe(true);
    for (const target of ['out', 'summaries', 'down']) {
      expect(scrape.sum('records_delivered_total', { target })).toBe(0);
      expect(scrape.sum('records_failed_total', { target, code: 'network_error' })).toBe(0);
      expect(scrape.sum('records_filtered_total', { target })).toBe(0);
      expect(scrape.sum('delivery_attempts_total', { target, result: 'dead_letter' })).toBe(0);
      expect(scrape.sum('delivery_duration_seconds_count', { target })).toBe(0);
      expect(scrape.sum('end_to_end_latency_seconds_count', { target })).toBe(0);
      expect(scrape.sum('target_up', { target })).toBe(1);
      expect(scrape.sum('dead_letters', { queue: target })).toBe(0);
      for (const state of QUEUE_STATES) expect(scrape.sum('queue_jobs', { queue: target, state })).toBe(0);
    }
    expect(scrape.sum('queue_oldest_waiting_age_seconds', { queue: 'ingest' })).toBe(0);
    for (const outcome of WEBHOOK_OUTCOMES)
      expect(scrape.sum('webhooks_received_total', { event: 'project_snapshot/v0', outcome })).toBe(0);
    expect(scrape.sum('webhooks_received_total', { event: 'other', outcome: 'accepted' })).toBe(0);
    expect(scrape.sum('client_errors_total', { component: 'receiver_redis' })).toBe(0);
    expect(scrape.sum('connections_shed_total', { reason: 'idle' })).toBe(0);
    expect(scrape.sum('webhooks_shed_total')).toBe(0);
    expect(scrape.sum('unverified_body_bytes')).toBe(0);
    expect(scrape.sum('snyk_last_delivery_timestamp_seconds')).toBe(0);
    expect(scrape.sum('snyk_last_ping_timestamp_seconds')).toBe(0);
    expect(scrape.sum('redis_up')).toBe(1);
    expect(scrape.samples.find((s) => s.name === `${METRIC_PREFIX}build_info`)?.labels).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown as string,
      node: process.versions.node,
    });
    // prom-client's default process metrics, with the same prefix.
    expect(scrape.sum('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(scrape.sum('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts every outcome of the webhook route', async () => {
    const url = fx.forwarder.webhookUrl;
    const body = freshSnapshot();
    expect((await postWebhook(url, body)).status).toBe(202);
    expect((await postWebhook(url, body)).status).toBe(202);
    expect((await postWebhook(url, fixture('ping-v0.snyk-docs.json'), { event: 'ping/v0' })).status).toBe(
      200,
    );
    expect((await postWebhook(url, freshSnapshot(), { secret: 'not-the-secret-0123456789' })).status).toBe(
      401,
    );
    expect((await postWebhook(url, 'x'.repeat(300 * 1024))).status).toBe(413);
    expect((await postWebhook(url, '[1]')).status).toBe(400);
    expect((await postWebhook(url, '{}', { event: 'made-up/v9' })).status).toBe(202);

    const scrape = await scrapeMetrics(admin());
    const received = (event: string, outcome: string) =>
      scrape.sum('webhooks_received_total', { event, outcome });
    expect(received('project_snapshot/v0', 'accepted')).toBe(1);
    expect(received('project_snapshot/v0', 'duplicate')).toBe(1);
    expect(received('ping/v0', 'ping')).toBe(1);
    expect(received('project_snapshot/v0', 'bad_signature')).toBe(1);
    expect(received('project_snapshot/v0', 'too_large')).toBe(1);
    expect(received('project_snapshot/v0', 'bad_request')).toBe(1);
    // An event outside the normalizers' registry keeps no label of its own: the header is unsigned.
    expect(received('other', 'accepted')).toBe(1);
    expect(scrape.text).not.toContain('made-up/v9');
    expect(scrape.sum('webhooks_rejected_total', { code: 'invalid_signature' })).toBe(1);

    // Kept in Redis by the receiver and read back at scrape time (cached for a second, written without waiting).
    const now = Date.now() / 1000;
    const times = await waitFor(async () => {
      const fresh = await scrapeMetrics(admin());
      const both = ['snyk_last_delivery_timestamp_seconds', 'snyk_last_ping_timestamp_seconds'].map(
        (name) => fresh.sum(name) ?? 0,
      );
      return both.every((time) => time > 0) ? both : undefined;
    });
    for (const time of times) expect(Math.abs(time - now)).toBeLessThan(120);
  });

  it('counts delivered, failed and filtered records, and observes both durations', async () => {
    const { forwarder } = fx;
    expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    // Every record goes to "out"; "summaries" keeps the per-snapshot ones and its filter drops the rest, so once both
    // are done, what "out" got is what "summaries" got plus what it filtered.
    const scrape = await waitFor(
      async () => {
        const current = await scrapeMetrics(admin());
        const out = current.sum('records_delivered_total', { target: 'out' }) ?? 0;
        const summaries = current.sum('records_delivered_total', { target: 'summaries' }) ?? 0;
        const filtered = current.sum('records_filtered_total', { target: 'summaries' }) ?? 0;
        const failed = current.sum('records_failed_total', { target: 'down', code: 'network_error' }) ?? 0;
        return out > 0 && summaries > 0 && filtered > 0 && failed > 0 && out === summaries + filtered
          ? current
          : undefined;
      },
      20_000,
      'deliveries to "out" and "summaries", records filtered for "summaries", failures of "down"',
    );
    // The metric says what the file holds.
    const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(scrape.sum('records_delivered_total', { target: 'out' })).toBe(lines.length);
    expect(scrape.sum('delivery_attempts_total', { target: 'out', result: 'success' })).toBeGreaterThan(0);
    expect(scrape.sum('delivery_attempts_total', { target: 'down', result: 'retry' })).toBeGreaterThan(0);
    expect(scrape.sum('target_up', { target: 'down' })).toBe(0);
    expect(scrape.sum('target_up', { target: 'out' })).toBe(1);
    expect(scrape.sum('target_last_success_timestamp_seconds', { target: 'out' })).toBeGreaterThan(0);
    expect(scrape.sum('delivery_duration_seconds_count', { target: 'out' })).toBeGreaterThan(0);
    expect(scrape.sum('delivery_duration_seconds_count', { target: 'down' })).toBeGreaterThan(0);
    expect(scrape.sum('end_to_end_latency_seconds_count', { target: 'out' })).toBeGreaterThan(0);
    expect(scrape.sum('end_to_end_latency_seconds_sum', { target: 'out' })).toBeGreaterThan(0);
    // Nothing reached the target that is down.
    expect(scrape.sum('end_to_end_latency_seconds_count', { target: 'down' })).toBe(0);
  });

  it("counts a failing target's backlog as BullMQ does, the same in every process (aggregate with max)", async () => {
    const { forwarder, redis } = fx;
    for (let i = 0; i < BACKLOG; i += 1)
      expect((await postWebhook(forwarder.webhookUrl, freshSnapshot())).status).toBe(202);
    const queue = new Queue('target-down', {
      connection: workerConnectionOptions(redis.url),
      prefix: forwarder.prefix,
    });
    // A receiver-only process on the same Redis and prefix: it reads the same shared state.
    const receiver = await startForwarder({
      redisUrl: redis.url,
      prefix: forwarder.prefix,
      role: 'receiver',
      config: {
        targets: [{ name: 'down', type: 'http', format: 'json', url: `http://127.0.0.1:${closedPort}/` }],
      },
    });
    others.push(receiver);
    try {
      // The down target's jobs never complete: once fanned out, their number stays, whatever state each is in.
      const pending = (counts: Record<string, number | undefined>) =>
        ['waiting', 'active', 'delayed', 'prioritized'].reduce(
          (total, state) => total + (counts[state] ?? 0),
          0,
        );
      const scraped = (scrape: Awaited<ReturnType<typeof scrapeMetrics>>) =>
        pending(
          Object.fromEntries(
            ['waiting', 'active', 'delayed', 'prioritized'].map((state) => [
              state,
              scrape.sum('queue_jobs', { queue: 'down', state }),
            ]),
          ),
        );
      const [own, other, counts] = await waitFor(
        async () => {
          const scrapes = await Promise.all([
            scrapeMetrics(admin()),
            scrapeMetrics(receiver.daemon.adminUrl),
          ]);
          const bull = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
          const expected = pending(bull);
          return expected >= BACKLOG && scrapes.every((scrape) => scraped(scrape) === expected)
            ? ([...scrapes, bull] as const)
            : undefined;
        },
        20_000,
        'the same pending jobs of "down" in BullMQ and in both processes',
      );
      expect(own.sum('dead_letters', { queue: 'down' })).toBe(counts.failed);
      expect(other.sum('dead_letters', { queue: 'down' })).toBe(counts.failed);
      // The same Redis-held timestamps in both: a restart or another process changes nothing.
      expect(other?.sum('snyk_last_delivery_timestamp_seconds')).toBe(
        own?.sum('snyk_last_delivery_timestamp_seconds'),
      );
      // The receiver does not send to "down": it exports no target_up that would mask the worker's 0 under max().
      expect(other.sum('target_up', { target: 'down' })).toBeUndefined();
      await waitFor(
        async () =>
          ((await scrapeMetrics(admin())).sum('queue_oldest_waiting_age_seconds', { queue: 'down' }) ?? 0) >
          0,
        20_000,
        'an oldest waiting age above 0',
      );
    } finally {
      await queue.close();
    }
  });

  it('serves the dashboard only with the admin token; /metrics, /healthz and /readyz without it', async () => {
    expect((await fetch(`${admin()}/admin/queues/api/queues`)).status).toBe(401);
    const withToken = await fetch(`${admin()}/admin/queues/api/queues`, { headers: bearer });
    expect(withToken.status).toBe(200);
    const names = ((await withToken.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toHaveLength(4);
    expect(names).toEqual(
      expect.arrayContaining(['ingest', 'target-down', 'target-out', 'target-summaries']),
    );
    expect((await fetch(`${admin()}/metrics`)).status).toBe(200);
    expect((await fetch(`${admin()}/healthz`)).status).toBe(200);
    const ready = await fetch(`${admin()}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
  });

  it('answers 404 for /metrics and /admin/queues on the public receiver listener', async () => {
    const publicUrl = fx.forwarder.url;
    expect((await fetch(`${publicUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${publicUrl}/admin/queues`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${publicUrl}/admin/queues/api/queues`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${publicUrl}/readyz`)).status).toBe(200);
  });
});

describe('an admin listener with admin.metrics.requireToken', () => {
  it('answers /metrics only with the bearer token; without a token at all the dashboard is off', async () => {
    const { redis } = fx;
    const guarded = await startForwarder({
      redisUrl: redis.url,
      role: 'receiver',
      config: { admin: { token: ADMIN_TOKEN, metrics: { requireToken: true } } },
    });
    const open = await startForwarder({ redisUrl: redis.url, role: 'receiver' });
    others.push(guarded, open);
    const refused = await fetch(`${guarded.daemon.adminUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    expect(
      (await fetch(`${guarded.daemon.adminUrl}/metrics`, { headers: { Authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(401);
    expect((await scrapeMetrics(guarded.daemon.adminUrl, bearer)).status).toBe(200);
    expect((await fetch(`${guarded.daemon.adminUrl}/readyz`)).status).toBe(200);

    const off = await fetch(`${open.daemon.adminUrl}/admin/queues`, { headers: bearer });
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: string }).error).toBe('dashboard_off');
    expect(open.logs()).toContain('Queue dashboard disabled');
  });
});

describe('an admin listener across a reload', () => {
  it('keeps answering, and follows the targets: a new one appears in the gauges and the dashboard', async () => {
    const { redis } = fx;
    const target = (name: string) => ({
      name,
      type: 'file',
      format: 'json',
      path: join(dir, `${name}.ndjson`),
    });
    const forwarder = await startForwarder({
      redisUrl: redis.url,
      config: { admin: { token: ADMIN_TOKEN }, targets: [target('first')] },
    });
    others.push(forwarder);
    const before = forwarder.daemon.adminUrl;
    // The configuration startForwarder built (test/helpers/forwarder.ts), with one target more.
    const next = configSchema.parse({
      dataDir: forwarder.dataDir,
      receiver: { host: '127.0.0.1', port: 0, secrets: [TEST_SECRET] },
      redis: { url: redis.url, prefix: forwarder.prefix },
      retry: { baseDelayMs: 50, maxDelayMs: 500 },
      workers: { shutdownGraceMs: 5000 },
      log: { level: 'debug', format: 'json' },
      admin: { host: '127.0.0.1', port: 0, token: ADMIN_TOKEN },
      targets: [target('first'), target('second')],
    });
    expect((await forwarder.daemon.reload(next)).status).toBe('applied');
    expect(forwarder.daemon.adminUrl).toBe(before);

    const scrape = await waitFor(async () => {
      const current = await scrapeMetrics(before);
      return current.sum('queue_jobs', { queue: 'second', state: 'waiting' }) === 0 ? current : undefined;
    });
    expect(scrape.sum('target_up', { target: 'second' })).toBe(1);
    const board = await fetch(`${before}/admin/queues/api/queues`, { headers: bearer });
    const names = ((await board.json()) as { queues: Array<{ name: string }> }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['ingest', 'target-first', 'target-second']));
  });
});
