// The forwarder's metrics, declared once: name, kind, labels, buckets and meaning (docs/operations.md lists them all).

/**
 * Every name starts with this (Prometheus naming: one application prefix, base units, `_total` on counters;
 * https://prometheus.io/docs/practices/naming/). prom-client's default process metrics get it too.
 */
export const METRIC_PREFIX = 'snyk_siem_forwarder_';

interface MetricSpec {
  kind: 'counter' | 'gauge' | 'histogram';
  labels: readonly string[];
  help: string;
  buckets?: readonly number[];
}

/** `webhooks_received_total{outcome}`: every answer of the webhook route is exactly one of these. */
export const WEBHOOK_OUTCOMES = [
  'accepted',
  'duplicate',
  'ping',
  'bad_signature',
  'too_large',
  'bad_request',
  'unavailable',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/**
 * `delivery_attempts_total{result}`: how one attempt of a target job ended. `retry`: it failed and is tried again
 * with backoff; `rate_limited`: the peer asked to wait (Retry-After), no attempt is spent; `dead_letter`: the job went
 * to the dead-letter queue (a permanent error, or the retry limits were reached).
 */
export const ATTEMPT_RESULTS = ['success', 'retry', 'rate_limited', 'dead_letter'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

/** `reconcile_runs_total{result}`: how a scheduled reconciliation run of one org ended. */
export const RECONCILE_RESULTS = ['success', 'failure', 'busy'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

/** The label value of events that are not in the normalizers' registry: the header is unsigned and unbounded. */
export const OTHER_EVENT = 'other';

export const METRICS = {
  webhooks_received_total: {
    kind: 'counter',
    labels: ['event', 'outcome'],
    help: `Answers of the webhook route, by event (a known X-Snyk-Event, else "${OTHER_EVENT}") and outcome.`,
  },
  webhooks_rejected_total: {
    kind: 'counter',
    labels: ['code'],
    help: "4xx answers of the receiver, by the receiver's error code (docs/receiver.md).",
  },
  webhooks_shed_total: {
    kind: 'counter',
    labels: [],
    help: 'Webhooks answered 503 receiver_busy: their body would have passed receiver.unverifiedBodyBudgetBytes.',
  },
  connections_shed_total: {
    kind: 'counter',
    labels: ['reason'],
    help: 'Connections closed at receiver.maxConnections: idle (the oldest idle one) or refused (the new one).',
  },
  unverified_body_bytes: {
    kind: 'gauge',
    labels: [],
    help: 'Bytes of request bodies received whose signature is not checked yet, right now.',
  },
  client_errors_total: {
    kind: 'counter',
    labels: ['component'],
    help: 'Error events of Redis connections, queues and log transports that no caller awaited, by component.',
  },
  records_delivered_total: {
    kind: 'counter',
    labels: ['target'],
    help: 'Records the target confirmed.',
  },
  records_failed_total: {
    kind: 'counter',
    labels: ['target', 'code'],
    help: 'Records of failed attempts, once per attempt, by error code (docs/errors.md).',
  },
  records_filtered_total: {
    kind: 'counter',
    labels: ['target'],
    help: "Records dropped by the target's filter at fan-out.",
  },
  delivery_attempts_total: {
    kind: 'counter',
    labels: ['target', 'result'],
    help: 'Attempts to send a target job, by result: success, retry, rate_limited, dead_letter.',
  },
  target_jobs_dead_lettered_total: {
    kind: 'counter',
    labels: ['target'],
    help: 'Target jobs this process moved to the dead-letter queue, stalled ones included.',
  },
  delivery_duration_seconds: {
    kind: 'histogram',
    labels: ['target'],
    help: 'Duration of one send to the target, successful or not.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  end_to_end_latency_seconds: {
    kind: 'histogram',
    labels: ['target'],
    help: "From the receiver's receipt of a delivery to the target's confirmation of its last record.",
    // Up to retry.maxRetryAgeSeconds' default of 7 days: a record delivered after an outage is still observed.
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400, 604800],
  },
  target_up: {
    kind: 'gauge',
    labels: ['target'],
    help: "1 unless this process's last attempt to the target failed; rate-limit pauses leave it as it was.",
  },
  target_last_success_timestamp_seconds: {
    kind: 'gauge',
    labels: ['target'],
    help: "Time of this process's last attempt that delivered every record of its job; 0: none since start.",
  },
  queue_jobs: {
    kind: 'gauge',
    labels: ['queue', 'state'],
    help: 'Jobs in each queue (ingest or a target name) by state, read from Redis: shared, aggregate with max.',
  },
  queue_oldest_waiting_age_seconds: {
    kind: 'gauge',
    labels: ['queue'],
    help: 'Age of the oldest job among those due next (waiting, delayed, prioritized); 0 when none waits.',
  },
  dead_letters: {
    kind: 'gauge',
    labels: ['queue'],
    help: 'Dead letters (the failed set) of each queue, read from Redis: shared, aggregate with max.',
  },
  redis_up: {
    kind: 'gauge',
    labels: [],
    help: 'Whether this scrape could read the queue gauges from Redis; at 0 they are left out.',
  },
  snyk_last_ping_timestamp_seconds: {
    kind: 'gauge',
    labels: ['org'],
    help: 'Time of the last ping/* webhook accepted by any receiver, kept in Redis, per org the heartbeat pings (snyk.orgs) and "other" for the rest; 0: never.',
  },
  snyk_last_delivery_timestamp_seconds: {
    kind: 'gauge',
    labels: [],
    help: 'Time of the last delivery stored by any receiver (duplicates included), kept in Redis; 0: never.',
  },
  reconcile_runs_total: {
    kind: 'counter',
    labels: ['org', 'result'],
    help: "Scheduled reconciliation runs with Snyk's REST API this process made, by org and result: success, failure, busy (another run held the org).",
  },
  reconcile_missing_total: {
    kind: 'counter',
    labels: ['org', 'action'],
    help: 'Findings reconciliation emitted because no webhook delivered them (a delivery was lost upstream), by org and action: issue_introduced, issue_resolved.',
  },
  reconcile_last_success_timestamp_seconds: {
    kind: 'gauge',
    labels: ['org'],
    help: "Time of this process's last successful reconciliation run of the org; 0: none since start. Aggregate with max.",
  },
  build_info: {
    kind: 'gauge',
    labels: ['version', 'node'],
    help: 'Always 1; the labels give the forwarder and Node.js versions.',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;
type NamesOf<K extends MetricSpec['kind']> = {
  [N in MetricName]: (typeof METRICS)[N]['kind'] extends K ? N : never;
}[MetricName];
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;
export type Labels = Readonly<Record<string, string>>;
