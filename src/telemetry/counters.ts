// In-process counters of what the receiver and workers did; the later Prometheus endpoint reads these.

export type CounterName =
  | 'webhooks_accepted'
  | 'webhooks_pings'
  /** Webhooks answered 4xx; label `code`: the receiver's error code (receiver/http-errors.ts). */
  | 'webhooks_rejected'
  | 'webhooks_unavailable'
  /** Webhooks answered 503 receiver_busy: their body would have passed receiver.unverifiedBodyBudgetBytes. */
  | 'webhooks_shed'
  /** Connections closed at receiver.maxConnections; label `reason`: `idle` (oldest idle) or `refused` (the new one). */
  | 'connections_shed'
  /** A gauge, not a counter: bytes of unverified bodies reserved right now (it goes down as reservations end). */
  | 'unverified_body_bytes'
  | 'records_delivered'
  | 'target_jobs_dead_lettered'
  /** Errors of connections and queues that no caller awaits; label `component` (telemetry/client-errors.ts). */
  | 'client_errors';

export class Counters {
  private readonly values = new Map<string, number>();

  increment(name: CounterName, labels: Record<string, string> = {}, by = 1): void {
    const key = `${name}${JSON.stringify(labels)}`;
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(name: CounterName, labels: Record<string, string> = {}): number {
    return this.values.get(`${name}${JSON.stringify(labels)}`) ?? 0;
  }
}
