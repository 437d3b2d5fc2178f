// Scrapes an admin listener's /metrics and reads series out of the Prometheus text format, as Prometheus would.
import { METRIC_PREFIX } from '../../src/telemetry/metrics.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  status: number;
  contentType: string;
  text: string;
  samples: Sample[];
  /** The sum of the series of `name` (without the prefix) whose labels include `labels`; undefined when none. */
  sum(name: string, labels?: Record<string, string>): number | undefined;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

export async function scrapeMetrics(adminUrl: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const response = await fetch(`${adminUrl}/metrics`, { headers });
  const text = await response.text();
  const samples = response.ok ? parseMetrics(text) : [];
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    text,
    samples,
    sum(name, labels = {}) {
      const matching = samples.filter(
        (sample) =>
          sample.name === `${METRIC_PREFIX}${name}` &&
          Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
      );
      return matching.length === 0 ? undefined : matching.reduce((total, sample) => total + sample.value, 0);
    },
  };
}
