// In-process counters of what the receiver and workers did; the later Prometheus endpoint reads these.

export type CounterName =
  | 'webhooks_accepted'
  | 'webhooks_pings'
  | 'webhooks_rejected'
  | 'webhooks_unavailable'
  | 'records_delivered'
  | 'deliveries_failed';

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
