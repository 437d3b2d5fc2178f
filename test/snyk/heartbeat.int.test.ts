// The heartbeat end to end: Snyk's ping reaches the receiver, the gauge moves for its org, and two processes ping once per interval.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { startDaemon, type Daemon, type Role } from '../../src/daemon.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { scrapeMetrics } from '../helpers/metrics.js';
import { notEntitled, startSnykApiPeer, type SnykApiPeer } from '../helpers/peers/snyk-api-peer.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

const TOKEN = 'c0ffee00-1111-4222-8333-444455556666';
const ORG = '0f3c2b1a-0000-4000-8000-00000000000a';
const QUIET_ORG = '0f3c2b1a-0000-4000-8000-00000000000b';
const SECRET = 'heartbeat-test-secret-0123456789abcdef';
/** 0.05 minutes: one slot every 3 s, the shortest the schema allows. */
const HEARTBEAT_MINUTES = 0.05;
const INTERVAL_MS = HEARTBEAT_MINUTES * 60_000;

interface Running {
  daemon: Daemon;
  logs(): string;
  stop(): Promise<void>;
}

let redis: TestRedis;
let api: SnykApiPeer;
const dirs: string[] = [];
const running: Running[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  api = await startSnykApiPeer({
    token: TOKEN,
    orgs: { [ORG]: 'acme', [QUIET_ORG]: 'quiet' },
    allowLoopbackHttp: true,
  });
});
afterAll(async () => {
  for (const process of running) await process.stop();
  await api?.close();
  await redis?.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function start(options: {
  role: Role;
  port: number;
  prefix: string;
  webhookUrl: string;
  orgs: string[];
}): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ssf-heartbeat-'));
  dirs.push(dataDir);
  const config = configSchema.parse({
    dataDir,
    receiver: { host: '127.0.0.1', port: options.port, secrets: [SECRET] },
    redis: { url: redis.url, prefix: options.prefix },
    workers: { shutdownGraceMs: 2000 },
    log: { level: 'debug', format: 'json' },
    admin: { host: '127.0.0.1', port: 0 },
    targets: [{ name: 'out', type: 'file', format: 'json', path: join(dataDir, 'out.ndjson') }],
    snyk: {
      apiUrl: api.url,
      token: TOKEN,
      orgs: options.orgs,
      webhookUrl: options.webhookUrl,
      heartbeatMinutes: HEARTBEAT_MINUTES,
    },
  });
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (chunk: Buffer) => (captured += chunk.toString('utf8')));
  const daemon = await startDaemon({
    config,
    role: options.role,
    logger: createLogger({ level: 'debug', format: 'json', stream }),
  });
  let stopped = false;
  const handle: Running = {
    daemon,
    logs: () => captured,
    async stop() {
      if (stopped) return;
      stopped = true;
      await daemon.stop();
    },
  };
  running.push(handle);
  return handle;
}

const pingsOf = (id: string) => api.calls('ping').filter((request) => request.path.endsWith(`/${id}/ping`));

describe('the heartbeat', { timeout: 90_000 }, () => {
  it('has one of two processes ask Snyk to ping per interval; each ping reaches the receiver and moves its org series', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/snyk`;
    const ours = api.addWebhook(ORG, webhookUrl, SECRET);
    // Another consumer's webhook in the same org: never pinged by this forwarder.
    const theirs = api.addWebhook(
      ORG,
      'https://hooks.example.com/services/T0/B0',
      'someone-elses-secret-0123456789',
    );
    const orgs = [ORG, QUIET_ORG];
    const startedAt = Date.now();
    const first = await start({ role: 'all', port, prefix, webhookUrl, orgs });
    const second = await start({ role: 'receiver', port: 0, prefix, webhookUrl, orgs });

    // Three pings delivered and answered 200 by the receiver: at least two intervals went by.
    await waitFor(
      () => api.deliveries.filter((d) => d.webhookId === ours.id && d.status === 200).length >= 3,
      45_000,
      'three heartbeat pings to reach the receiver',
    );

    // The ping's receipt moved the org's own series, the same in both processes (shared state in Redis).
    for (const process of [first, second]) {
      const scrape = await scrapeMetrics(process.daemon.adminUrl);
      const seconds = scrape.sum('snyk_last_ping_timestamp_seconds', { org: ORG }) ?? 0;
      expect(seconds * 1000).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(seconds * 1000).toBeLessThanOrEqual(Date.now() + 1000);
      // An org without a webhook here keeps its series at 0, where the alert sees it.
      expect(scrape.sum('snyk_last_ping_timestamp_seconds', { org: QUIET_ORG })).toBe(0);
      expect(scrape.sum('snyk_last_ping_timestamp_seconds', { org: 'other' })).toBe(0);
      expect(scrape.samples.filter((s) => s.name.endsWith('snyk_last_ping_timestamp_seconds'))).toHaveLength(
        3,
      );
    }

    await second.stop();
    await first.stop();
    await api.settled();
    const endedAt = Date.now();

    // One round per slot whatever the number of processes: at most one ping per 3-s slot of the run.
    const slots = Math.floor(endedAt / INTERVAL_MS) - Math.floor(startedAt / INTERVAL_MS) + 1;
    const pings = pingsOf(ours.id);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    expect(pings.length).toBeLessThanOrEqual(slots);
    expect(pingsOf(theirs.id)).toEqual([]);
    expect(api.deliveries.filter((d) => d.webhookId === ours.id).every((d) => d.status === 200)).toBe(true);
    expect(api.problems).toEqual([]);

    // The receiver tied the pings to the org through the heartbeat's record of its webhooks, and the quiet org
    // got a warning that says how to fix it.
    const client = new Redis(redis.url);
    try {
      expect(await client.hget(`${prefix}:snyk:webhook-orgs`, ours.id)).toBe(ORG);
      expect(await client.hget(`${prefix}:snyk:webhook-orgs`, theirs.id)).toBeNull();
    } finally {
      client.disconnect();
    }
    expect(`${first.logs()}${second.logs()}`).toContain(
      `Heartbeat: org ${QUIET_ORG} has no webhook pointing at ${webhookUrl}, so nothing pings this forwarder; create one with \\"snyk-siem-forwarder webhooks create --org ${QUIET_ORG}\\".`,
    );
    expect(`${first.logs()}${second.logs()}`).not.toContain(TOKEN);
  });

  it('logs a refused API call in one line and tries again at the next interval', async () => {
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/snyk`;
    const ours = api.addWebhook(ORG, webhookUrl, SECRET);
    api.inject({ operation: 'list', ...notEntitled('acme') });
    const process = await start({ role: 'all', port, prefix, webhookUrl, orgs: [ORG] });

    await waitFor(
      () => api.deliveries.some((d) => d.webhookId === ours.id && d.status === 200),
      30_000,
      'a ping after the refused round',
    );
    const lines = process
      .logs()
      .split('\n')
      .filter((line) => line.includes('not entitled'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'warn',
      org: ORG,
      message: expect.stringMatching(
        /^Heartbeat: Snyk API: could not list the webhooks of org .*: 403 not entitled for API access; Snyk said "The org acme is not entitled for api access"/,
      ) as unknown as string,
    });
    await process.stop();
    await api.settled();
  });
});
