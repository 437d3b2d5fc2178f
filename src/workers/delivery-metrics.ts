// What a target worker reports about its attempts: the target's counters, histograms and up/last-success gauges.
import type { FailureDecision } from '../queue/retry-policy.js';
import type { Counters } from '../telemetry/counters.js';
import type { AttemptResult } from '../telemetry/metrics.js';

const RESULT_OF_DECISION: Record<FailureDecision['kind'], AttemptResult> = {
  retry: 'retry',
  'rate-limit': 'rate_limited',
  'dead-letter': 'dead_letter',
  exhausted: 'dead_letter',
};

export type DeliveryMetrics = ReturnType<typeof deliveryMetrics>;

export function deliveryMetrics(counters: Counters, name: string) {
  const target = { target: name };
  return {
    /** One call of the target's send, however it ended. */
    sent(seconds: number): void {
      counters.observe('delivery_duration_seconds', target, seconds);
    },
    /** Records the peer confirmed, also those of an attempt that failed later. */
    delivered(records: number): void {
      counters.increment('records_delivered_total', target, records);
    },
    /** An attempt that left nothing to send: the peer has every record of the job. */
    succeeded(receivedAt: string | undefined, now = Date.now()): void {
      counters.increment('delivery_attempts_total', { ...target, result: 'success' });
      counters.set('target_up', target, 1);
      counters.set('target_last_success_timestamp_seconds', target, now / 1000);
      // Jobs stored before receivedAt was carried into target jobs have none: they are not observed.
      const received = receivedAt === undefined ? Number.NaN : Date.parse(receivedAt);
      if (Number.isFinite(received))
        counters.observe('end_to_end_latency_seconds', target, Math.max(0, now - received) / 1000);
    },
    /**
     * An attempt that failed with `records` not delivered. A Retry-After pause says the peer is there and busy, so it
     * leaves target_up as it was; every other failure, a refusal included, sets it to 0.
     */
    failed(decision: Pick<FailureDecision, 'kind' | 'code'>, records: number): void {
      counters.increment('delivery_attempts_total', { ...target, result: RESULT_OF_DECISION[decision.kind] });
      counters.increment('records_failed_total', { ...target, code: decision.code }, records);
      if (decision.kind !== 'rate-limit') counters.set('target_up', target, 0);
    },
    /** A target job moved to the dead-letter queue, by the processor or (after stalling) by BullMQ. */
    deadLettered(): void {
      counters.increment('target_jobs_dead_lettered_total', target);
    },
  };
}
