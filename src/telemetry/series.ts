// The label values each metric can take, and the series a process exports at 0 from its start.
import { KNOWN_EVENTS } from '../../normalizers/index.js';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { RECEIVER_ERRORS, type ReceiverErrorCode } from '../receiver/http-errors.js';
import { CLIENT_COMPONENTS } from './client-errors.js';
import type { Counters } from './counters.js';
import {
  ATTEMPT_RESULTS,
  OTHER_EVENT,
  RECONCILE_RESULTS,
  WEBHOOK_OUTCOMES,
  type WebhookOutcome,
} from './metrics.js';
import { packageVersion } from './version.js';

/** The `event` label: the X-Snyk-Event header is unsigned and could take any value, so only known events keep theirs. */
export function eventLabel(event: string | undefined): string {
  return event !== undefined && KNOWN_EVENTS.includes(event) ? event : OTHER_EVENT;
}

/**
 * The outcome of each error answer of the webhook route. 503s (and a 500, which stores nothing either) are
 * `unavailable`: Snyk may send them again. `satisfies` makes a new receiver error code a compile error until mapped.
 */
export const OUTCOME_OF_ERROR = {
  missing_signature: 'bad_signature',
  invalid_signature: 'bad_signature',
  missing_event: 'bad_request',
  invalid_json: 'bad_request',
  body_too_large: 'too_large',
  body_read_failed: 'bad_request',
  unsupported_encoding: 'bad_request',
  queue_unavailable: 'unavailable',
  receiver_busy: 'unavailable',
  not_found: 'bad_request',
  method_not_allowed: 'bad_request',
  internal_error: 'unavailable',
} as const satisfies Record<ReceiverErrorCode, WebhookOutcome>;

/** Codes a target job can fail with: start and ingest codes never label a target's records. */
export const TARGET_ERROR_CODES = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
  (code) => ERROR_CODES[code].scope === 'target' || ERROR_CODES[code].scope === 'any queue',
);

/** Every process: its build, and the client errors of each component. */
export function declareProcessSeries(counters: Counters): void {
  counters.set('build_info', { version: packageVersion(), node: process.versions.node }, 1);
  for (const component of Object.keys(CLIENT_COMPONENTS))
    counters.declare('client_errors_total', { component });
}

/** A process that runs the receiver: every event and outcome, every 4xx code, both reasons to shed a connection. */
export function declareReceiverSeries(counters: Counters): void {
  for (const event of [...KNOWN_EVENTS, OTHER_EVENT])
    for (const outcome of WEBHOOK_OUTCOMES) counters.declare('webhooks_received_total', { event, outcome });
  for (const [code, { status }] of Object.entries(RECEIVER_ERRORS))
    if (status >= 400 && status < 500) counters.declare('webhooks_rejected_total', { code });
  for (const reason of ['idle', 'refused']) counters.declare('connections_shed_total', { reason });
}

/**
 * A process that runs a target's worker. target_up starts at 1: an idle target is not down, and a 0 would raise the
 * TargetDown alert (deploy/observability/alerts.yml) before anything was sent.
 */
export function declareTargetSeries(counters: Counters, target: string): void {
  for (const name of [
    'records_delivered_total',
    'records_filtered_total',
    'target_jobs_dead_lettered_total',
  ] as const)
    counters.declare(name, { target });
  for (const code of TARGET_ERROR_CODES) counters.declare('records_failed_total', { target, code });
  for (const result of ATTEMPT_RESULTS) counters.declare('delivery_attempts_total', { target, result });
  counters.declare('delivery_duration_seconds', { target });
  counters.declare('end_to_end_latency_seconds', { target });
  counters.set('target_up', { target }, 1);
  counters.set('target_last_success_timestamp_seconds', { target }, 0);
}

/**
 * A target removed by a reload: its gauges go, since nothing would update them (a 0 left in target_up would alert for
 * ever); its counters stay, as counters do.
 */
export function forgetTargetSeries(counters: Counters, target: string): void {
  counters.forget('target_up', { target });
  counters.forget('target_last_success_timestamp_seconds', { target });
}

/** A worker process with the reconciliation schedule: every result and action of each org it reconciles. */
export function declareReconcileSeries(counters: Counters, orgs: readonly string[]): void {
  for (const org of orgs) {
    for (const result of RECONCILE_RESULTS) counters.declare('reconcile_runs_total', { org, result });
    for (const action of ['issue_introduced', 'issue_resolved'])
      counters.declare('reconcile_missing_total', { org, action });
    counters.set('reconcile_last_success_timestamp_seconds', { org }, 0);
  }
}
