// The metric catalogue follows Prometheus' naming, docs/operations.md lists it, and deploy/observability uses only it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS, METRIC_PREFIX } from '../../src/telemetry/metrics.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** prom-client's default metrics that the shipped rules and dashboard use (collectDefaultMetrics with the prefix). */
const DEFAULT_METRICS_USED = ['nodejs_eventloop_lag_p99_seconds'];

describe('the metric catalogue', () => {
  it('names counters *_total, histograms in seconds, and nothing else *_total', () => {
    for (const [name, spec] of Object.entries(METRICS)) {
      expect(name.endsWith('_total'), name).toBe(spec.kind === 'counter');
      if (spec.kind === 'histogram') expect(name.endsWith('_seconds'), name).toBe(true);
      expect(spec.labels as readonly string[], name).not.toContain('id');
    }
  });

  it('is documented in docs/operations.md, every metric with its full name', () => {
    const doc = read('docs/operations.md');
    const missing = Object.keys(METRICS).filter((name) => !doc.includes(`\`${METRIC_PREFIX}${name}\``));
    expect(missing).toEqual([]);
  });

  it('holds every metric that the alert rules and the Grafana dashboard query', () => {
    const known = new Set([...Object.keys(METRICS), ...DEFAULT_METRICS_USED]);
    for (const file of [
      'deploy/observability/alerts.yml',
      'deploy/observability/alerts.test.yml',
      'deploy/observability/grafana-dashboard.json',
    ]) {
      // A name inside a regular expression (`snyk_last_(delivery|ping)_…`) is not one name: skipped.
      const used = [...read(file).matchAll(/snyk_siem_forwarder_([a-z0-9_]+)(?![a-z0-9_(])/g)].map((match) =>
        (match[1] as string).replace(/_(bucket|sum|count)$/, ''),
      );
      expect(used.length, file).toBeGreaterThan(0);
      expect(
        used.filter((name) => !known.has(name)),
        file,
      ).toEqual([]);
    }
  });
});
