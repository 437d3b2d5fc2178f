// The daemon's metrics in a prom-client registry of its own: the receiver and workers write them, /metrics renders them.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  METRIC_PREFIX,
  METRICS,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type Labels,
  type MetricName,
} from './metrics.js';

export type { CounterName, GaugeName, HistogramName } from './metrics.js';

export interface CountersOptions {
  /**
   * Also prom-client's default metrics of the process (event-loop lag, heap, RSS, CPU), with the same prefix. Off in
   * tests that only count: each registration starts an event-loop monitor.
   */
  processMetrics?: boolean;
}

/**
 * One registry per daemon, never prom-client's global one, so that several daemons in one process (tests) each count
 * their own. It is the one source of truth: tests read it through get(), Prometheus through render().
 */
export class Counters {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();
  private readonly histograms = new Map<string, Histogram>();

  constructor(options: CountersOptions = {}) {
    for (const [name, spec] of Object.entries(METRICS)) {
      const common = {
        name: `${METRIC_PREFIX}${name}`,
        help: spec.help,
        labelNames: [...spec.labels],
        registers: [this.registry],
      };
      if (spec.kind === 'counter') this.counters.set(name, new Counter(common));
      else if (spec.kind === 'gauge') this.gauges.set(name, new Gauge(common));
      else this.histograms.set(name, new Histogram({ ...common, buckets: [...(spec.buckets ?? [])] }));
    }
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  increment(name: CounterName, labels: Labels = {}, by = 1): void {
    if (by > 0) this.counter(name).inc(labels, by);
  }

  /** Moves a gauge up or down, e.g. bytes reserved and released. */
  adjust(name: GaugeName, labels: Labels, delta: number): void {
    this.gauge(name).inc(labels, delta);
  }

  set(name: GaugeName, labels: Labels, value: number): void {
    this.gauge(name).set(labels, value);
  }

  observe(name: HistogramName, labels: Labels, value: number): void {
    this.histogram(name).observe(labels, value);
  }

  /** Makes a counter's or histogram's series exist at 0, so that it is exported before anything happened. */
  declare(name: CounterName | HistogramName, labels: Labels): void {
    const histogram = this.histograms.get(name);
    if (histogram) histogram.zero(labels);
    else this.counter(name as CounterName).inc(labels, 0);
  }

  /** Drops one series of a gauge (a target that was removed) or every series of it (`labels` undefined). */
  forget(name: GaugeName, labels?: Labels): void {
    if (labels === undefined) this.gauge(name).reset();
    else this.gauge(name).remove(labels);
  }

  /**
   * The sum of the series of `name` whose labels include `labels` (all of them when empty); for a histogram, the
   * number of observations.
   */
  async get(name: MetricName, labels: Labels = {}): Promise<number> {
    const metric = this.counters.get(name) ?? this.gauges.get(name) ?? this.histograms.get(name);
    if (metric === undefined) throw new Error(`no metric named ${name}`);
    const { values } = await metric.get();
    const countSeries = `${METRIC_PREFIX}${name}_count`;
    let sum = 0;
    // A histogram's values are its _bucket, _sum and _count series, told apart by metricName.
    for (const value of values as Array<(typeof values)[number] & { metricName?: string }>) {
      if (this.histograms.has(name) && value.metricName !== countSeries) continue;
      const own = value.labels as Record<string, unknown>;
      if (Object.entries(labels).every(([key, wanted]) => own[key] === wanted)) sum += value.value;
    }
    return sum;
  }

  /** The Prometheus text format of every metric (Content-Type: `contentType`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter(name: CounterName): Counter {
    return this.counters.get(name) as Counter;
  }

  private gauge(name: GaugeName): Gauge {
    return this.gauges.get(name) as Gauge;
  }

  private histogram(name: HistogramName): Histogram {
    return this.histograms.get(name) as Histogram;
  }
}
