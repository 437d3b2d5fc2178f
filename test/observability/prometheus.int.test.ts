// A real Prometheus scrapes a forwarder: a failing target's backlog, the shipped alerts on it, the dashboard's queries.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { targetQueueName } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { METRIC_PREFIX } from '../../src/telemetry/metrics.js';
import { startForwarder, type TestForwarder } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { startHttpPeer, type HttpPeer } from '../helpers/peers/http-peer.js';
import {
  SCRAPE_JOB,
  startPrometheus,
  type ActiveAlert,
  type QueryData,
  type TestPrometheus,
} from '../helpers/prometheus.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { freshSnapshot, postWebhook } from '../helpers/webhook.js';
import { dashboardQueries, metricNames, substituteVariables } from './dashboard-queries.js';
import { FAST_LABEL, fastAlertRules, type RuleFile } from './fast-rules.js';

const ALERTS_FILE = fileURLToPath(new URL('../../deploy/observability/alerts.yml', import.meta.url));
const DASHBOARD_FILE = fileURLToPath(
  new URL('../../deploy/observability/grafana-dashboard.json', import.meta.url),
);
const shipped = parse(readFileSync(ALERTS_FILE, 'utf8')) as RuleFile;
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Parameters<typeof dashboardQueries>[0];

const TARGET = 'siem';
/** Webhooks are posted this often while the test waits for the backlog alert, and at most this many. */
const POST_EVERY_MS = 400;
const MAX_POSTS = 150;
/** Every wait of this file: generous for a loaded 2-core machine, each bounded. */
const DEADLINE_MS = 90_000;
/** What the backlog recording rule and the dashboard's queue-depth panel count (alerts.yml). */
const BACKLOG_STATES = ['waiting', 'delayed', 'prioritized'] as const;
/**
 * Jobs the test schedules for later in the target's queue, so that its backlog holds delayed jobs beside the waiting
 * ones whatever the retries' timing: a backlog query must add the states up, not keep the largest.
 */
const HELD = 3;
/** While it fails, the collector answers after this long: the target's one worker is busy and jobs stay waiting. */
const SLOW_ANSWER_MS = 1000;

let redis: TestRedis | undefined;
let peer: HttpPeer | undefined;
let forwarder: TestForwarder | undefined;
let prometheus: TestPrometheus | undefined;
/** The collector answers 503 until the test lets it take records. */
let collectorUp = false;
let recordsTaken = 0;

const started = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is not started`);
  return value;
};
const prom = () => started(prometheus, 'prometheus');
const fwd = () => started(forwarder, 'the forwarder');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it returns a value; on timeout, the error shows what `seen` last noted. */
async function eventually<T>(
  what: string,
  check: (note: (seen: unknown) => void) => Promise<T | undefined>,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + DEADLINE_MS;
  let last: unknown;
  for (;;) {
    const value = await check((seen) => (last = seen));
    if (value !== undefined) return value;
    if (Date.now() > until) {
      throw new Error(
        `timed out after ${DEADLINE_MS} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`,
      );
    }
    await sleep(everyMs);
  }
}

/** The value of each series of an instant query, keyed by the value of `label`. */
async function valuesBy(expr: string, label: string): Promise<Record<string, number>> {
  const samples = await prom().vector(expr);
  return Object.fromEntries(samples.map((sample) => [sample.metric[label] ?? '', Number(sample.value[1])]));
}

/** The quick copies' active alerts (fast-rules.ts), by name and, when given, by one label's value. */
async function fastAlerts(name: string, labels: Record<string, string> = {}): Promise<ActiveAlert[]> {
  return (await prom().alerts()).filter(
    (alert) =>
      alert.labels['alertname'] === name &&
      alert.labels['rules'] === FAST_LABEL.rules &&
      Object.entries(labels).every(([key, value]) => alert.labels[key] === value),
  );
}

/** The ALERTS series Prometheus wrote for `selector` over the last `range`, by alertstate: [first, last] sample time. */
async function alertHistory(selector: string, range = '10m'): Promise<Record<string, [number, number]>> {
  const data: QueryData = await prom().query(`ALERTS{${selector}}[${range}]`);
  if (data.resultType !== 'matrix')
    throw new Error(`ALERTS{${selector}}[${range}] gave a ${data.resultType}`);
  return Object.fromEntries(
    data.result.map((series) => [
      series.metric['alertstate'] ?? '',
      [series.values[0]?.[0] ?? 0, series.values.at(-1)?.[0] ?? 0] as [number, number],
    ]),
  );
}

beforeAll(async () => {
  redis = await startTestRedis();
  peer = await startHttpPeer({
    failures: {
      transient: { status: 503, body: '{"error":"unavailable"}' },
      permanent: { status: 400, body: '{"error":"bad request"}' },
      throttled: { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"slow down"}' },
    },
    handle(request) {
      if (!collectorUp) return { status: 503, body: '{"error":"unavailable"}' };
      recordsTaken += request.body.toString('utf8').split('\n').filter(Boolean).length;
      return { status: 200, body: '{"ok":true}' };
    },
  });
  peer.delayMs = SLOW_ANSWER_MS;
  forwarder = await startForwarder({
    redisUrl: redis.url,
    config: {
      // Backoff ceilings of 0.5 s to 2 s: the failing target's jobs go back to `waiting` within seconds, and drain
      // within seconds once the collector answers. One job at a time, so that the others wait.
      retry: { baseDelayMs: 500, maxDelayMs: 2000 },
      targets: [
        {
          name: TARGET,
          type: 'http',
          format: 'json',
          url: `${peer.url}/ingest`,
          timeoutMs: 5 * SLOW_ANSWER_MS,
          concurrency: 1,
        },
      ],
    },
  });
  prometheus = await startPrometheus({
    targets: [new URL(forwarder.daemon.adminUrl).host],
    // The shipped file as it is (its recording rule feeds both groups), and the quick copies of its alerts.
    ruleFiles: [ALERTS_FILE],
    rules: fastAlertRules(shipped),
  });
  await eventually('Prometheus to scrape the admin listener', async (note) => {
    const up = await valuesBy(`up{job="${SCRAPE_JOB}"}`, 'job');
    note(up);
    return up[SCRAPE_JOB] === 1 ? true : undefined;
  });
}, 2 * DEADLINE_MS);

afterAll(async () => {
  await prometheus?.stop();
  await forwarder?.stop();
  await peer?.close();
  await redis?.cleanup();
});

describe('a real Prometheus scraping the admin listener', () => {
  it('loads every shipped rule and its quick copy, and evaluates each without error', async () => {
    const groups = await eventually('every rule evaluated once', async (note) => {
      const current = await prom().rules();
      const rules = current.flatMap((group) => group.rules);
      note(rules.map((rule) => [rule.name, rule.lastEvaluation]));
      // Go's zero time is what Prometheus shows before a rule's first evaluation.
      return rules.length > 0 && rules.every((rule) => !rule.lastEvaluation.startsWith('0001-'))
        ? current
        : undefined;
    });
    const names = (file: RuleFile) =>
      file.groups.flatMap((group) => group.rules.map((r) => r.record ?? r.alert));
    const loaded = groups.find((group) => group.file === ALERTS_FILE);
    expect(loaded?.rules.map((rule) => rule.name)).toEqual(names(shipped));
    const fast = groups.filter((group) => group.file !== ALERTS_FILE).flatMap((group) => group.rules);
    expect(fast.map((rule) => rule.name)).toEqual(names(fastAlertRules(shipped)));
    for (const rule of groups.flatMap((group) => group.rules)) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError }).toEqual({
        rule: rule.name,
        health: 'ok',
        error: undefined,
      });
    }
  });

  it("counts a failing target's backlog as BullMQ does, fires the backlog and target alerts, clears them once it recovers", async () => {
    const queue = new Queue(targetQueueName(TARGET), {
      connection: workerConnectionOptions(started(redis, 'redis').url),
      prefix: fwd().prefix,
    });
    try {
      const held = await Promise.all(
        Array.from({ length: HELD }, (_, i) =>
          queue.add('records', targetJobData(`held-${i}`, TARGET), {
            jobId: `held-${i}`,
            delay: 10 * 60_000,
          }),
        ),
      );
      // Deliveries keep coming while the target fails, so the backlog grows until the alerts fire.
      let posted = 0;
      const firing = await eventually(
        'SnykForwarderBacklogGrowing and SnykForwarderTargetDown to fire',
        async (note) => {
          if (posted < MAX_POSTS) {
            expect((await postWebhook(fwd().webhookUrl, freshSnapshot())).status).toBe(202);
            posted += 1;
          }
          const backlog = await fastAlerts('SnykForwarderBacklogGrowing', { queue: TARGET });
          const down = await fastAlerts('SnykForwarderTargetDown', { target: TARGET });
          note({ posted, backlog, down });
          const fired = (alerts: ActiveAlert[]) => alerts.find((alert) => alert.state === 'firing');
          const [growing, targetDown] = [fired(backlog), fired(down)];
          return growing && targetDown ? { growing, targetDown } : undefined;
        },
        POST_EVERY_MS,
      );
      expect(firing.growing.annotations['summary']).toMatch(/^Queue siem holds \d+ jobs and keeps growing$/);
      expect(firing.targetDown.labels['severity']).toBe('critical');
      // Each went through pending first, for the copy's `for`: Prometheus wrote both states to ALERTS.
      for (const selector of [
        `alertname="SnykForwarderBacklogGrowing",queue="${TARGET}",rules="fast"`,
        `alertname="SnykForwarderTargetDown",target="${TARGET}",rules="fast"`,
      ]) {
        const history = await alertHistory(selector);
        expect(Object.keys(history).sort(), selector).toEqual(['firing', 'pending']);
        expect(history['pending']?.[0], selector).toBeLessThan(history['firing']?.[0] ?? 0);
      }

      // Posting stopped: once the ingest queue is empty, the target's jobs are all there, one active at a time and the
      // others waiting or delayed, and the recording rule and the dashboard's panel must show what BullMQ counts.
      const depth = dashboardQueries(dashboard).find((query) => query.panel.startsWith('Queue depth'));
      expect(depth?.expr).toContain('snyk_siem_forwarder_queue_jobs');
      const backlog = await eventually('the same backlog in Prometheus and in BullMQ', async (note) => {
        const counts = await queue.getJobCounts(...BACKLOG_STATES, 'active', 'failed');
        const due = BACKLOG_STATES.reduce((total, state) => total + (counts[state] ?? 0), 0);
        const recorded = await valuesBy('snyk_siem_forwarder:queue_backlog', 'queue');
        const panel = await valuesBy(substituteVariables(depth?.expr ?? '', {}), 'queue');
        note({ counts, recorded, panel });
        const mixed = (counts['waiting'] ?? 0) > 0 && (counts['delayed'] ?? 0) > 0;
        // Every webhook leaves one job for the target (the fixture's records fit one batch), once fanned out.
        const all = due + (counts['active'] ?? 0) === posted + HELD;
        return all && mixed && recorded[TARGET] === due && panel[TARGET] === due && recorded['ingest'] === 0
          ? { due, recorded, panel, counts }
          : undefined;
      });
      expect(backlog.counts['failed']).toBe(0);
      expect(backlog.panel).toEqual(backlog.recorded);
      await eventually('SnykForwarderOldestJobTooOld to fire for the target', async (note) => {
        const oldest = await fastAlerts('SnykForwarderOldestJobTooOld');
        note(oldest);
        return oldest.some((alert) => alert.state === 'firing' && alert.labels['queue'] === TARGET)
          ? true
          : undefined;
      });

      // Alerts that must stay quiet, though their series are there: no dead letters, no 503 from the receiver; and no
      // shipped rule fires in minutes (its `for` and thresholds are longer). The ingest queue's alerts are left out
      // here: on a loaded machine it may briefly hold more than the quick copy's 5 jobs while posts arrive, which says
      // nothing about the rules. They must have cleared, like every alert, once the queues drain (below).
      expect(await valuesBy('max by (queue) (snyk_siem_forwarder_dead_letters)', 'queue')).toEqual({
        ingest: 0,
        [TARGET]: 0,
      });
      expect(
        await valuesBy('max by (queue) (snyk_siem_forwarder_queue_oldest_waiting_age_seconds)', 'queue'),
      ).toEqual(expect.objectContaining({ ingest: 0 }));
      for (const selector of [
        'alertname="SnykForwarderDeadLetters"',
        'alertname="SnykForwarderReceiverUnavailable"',
        'alertstate="firing",rules=""',
      ]) {
        expect(await alertHistory(selector), selector).toEqual({});
      }

      // The collector takes records again: the backlog drains to 0, in BullMQ and in Prometheus, and the alerts clear.
      started(peer, 'the collector').delayMs = 0;
      collectorUp = true;
      for (const job of held) await job.promote();
      await eventually(
        'the backlog to drain, and Prometheus to count every record the collector took',
        async (note) => {
          const counts = await queue.getJobCounts(...BACKLOG_STATES, 'active', 'failed');
          const recorded = await valuesBy('snyk_siem_forwarder:queue_backlog', 'queue');
          const delivered = await valuesBy(
            'sum by (target) (snyk_siem_forwarder_records_delivered_total)',
            'target',
          );
          note({ counts, recorded, delivered, recordsTaken });
          const empty = Object.values(counts).every((count) => count === 0);
          return empty && recorded[TARGET] === 0 && recordsTaken > 0 && delivered[TARGET] === recordsTaken
            ? true
            : undefined;
        },
      );
      await eventually('the backlog, target and oldest-job alerts to resolve', async (note) => {
        const active = [
          ...(await fastAlerts('SnykForwarderBacklogGrowing')),
          ...(await fastAlerts('SnykForwarderTargetDown')),
          ...(await fastAlerts('SnykForwarderOldestJobTooOld')),
        ];
        note(active);
        return active.length === 0 ? true : undefined;
      });
      expect(await valuesBy('max by (target) (snyk_siem_forwarder_target_up)', 'target')).toEqual({
        [TARGET]: 1,
      });
    } finally {
      await queue.close();
    }
  }, 170_000);

  it('answers every query of the Grafana dashboard, each on metrics the forwarder exports', async () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(0);
    const exported = await prom().api<string[]>('label/__name__/values', {
      'match[]': `{job="${SCRAPE_JOB}"}`,
    });
    const scraped = new Set(exported.data ?? []);
    expect(scraped.has(`${METRIC_PREFIX}queue_jobs`)).toBe(true);
    const values = {
      queue: TARGET,
      target: TARGET,
      job: SCRAPE_JOB,
      instance: new URL(fwd().daemon.adminUrl).host,
    };
    for (const { panel, expr } of queries) {
      const query = substituteVariables(expr, values);
      const names = metricNames(query, METRIC_PREFIX);
      expect(names.length, panel).toBeGreaterThan(0);
      expect(
        names.filter((name) => !scraped.has(name)),
        panel,
      ).toEqual([]);
      // A renamed label or a selector that matches nothing gives an empty answer: each panel must show a series.
      const answer = await eventually(`a series for the panel "${panel}"`, async (note) => {
        const current = await prom().api<QueryData>('query', { query });
        note(current);
        return current.status !== 'success' || (current.data?.result.length ?? 0) > 0 ? current : undefined;
      });
      expect({ panel, status: answer.status, error: answer.error }).toEqual({
        panel,
        status: 'success',
        error: undefined,
      });
    }
  });
});
