// The bench's chart as an HTML page holding one SVG: receiver throughput and p99 latency, end to end, queue depth.
import type { BenchResults } from './bench-report.js';

const WIDTH = 1200;
const PANEL_HEIGHT = 230;
const BASELINE_COLOUR = '#9aa5b1';
const FORWARDER_COLOUR = '#1f6feb';
const DEPTH_COLOURS = { ingest: '#d97706', target: '#16a34a' };

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;
}

function compact(value: number): string {
  if (value === 0) return '0';
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return String(Math.round(value * 10) / 10);
}

interface Bar {
  label: string;
  baseline: number;
  forwarder: number;
}

/** autocannon's latencies are whole milliseconds: 0 is an answer in under 1 ms. */
function milliseconds(value: number): string {
  return value === 0 ? '<1' : compact(value);
}

/** Pairs of bars (baseline, forwarder) per label, on a linear scale from 0 to the largest value. */
function barPanel(
  x: number,
  y: number,
  width: number,
  height: number,
  title: string,
  bars: Bar[],
  format: (value: number) => string = compact,
): string {
  const top = y + 28;
  const bottom = y + height - 26;
  const max = Math.max(1, ...bars.flatMap((bar) => [bar.baseline, bar.forwarder]));
  const slot = width / Math.max(1, bars.length);
  const barWidth = Math.min(34, slot / 3);
  const parts = [
    text(x, y + 14, title, 'class="title"'),
    `<line x1="${x}" y1="${bottom}" x2="${x + width}" y2="${bottom}" class="axis"/>`,
  ];
  bars.forEach((bar, i) => {
    const centre = x + slot * (i + 0.5);
    for (const [j, value, colour] of [
      [0, bar.baseline, BASELINE_COLOUR],
      [1, bar.forwarder, FORWARDER_COLOUR],
    ] as const) {
      const h = ((bottom - top) * value) / max;
      const left = centre - barWidth + j * barWidth;
      parts.push(
        `<rect x="${left.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`,
        text(left + barWidth / 2 - 1, bottom - h - 3, format(value), 'class="value" text-anchor="middle"'),
      );
    }
    parts.push(text(centre, bottom + 15, bar.label, 'class="label" text-anchor="middle"'));
  });
  return parts.join('\n');
}

/** Lines of queue depth over time for each end-to-end peer (ingest dashed, target solid). */
function depthPanel(x: number, y: number, width: number, height: number, results: BenchResults): string {
  const top = y + 28;
  const bottom = y + height - 26;
  const runs = results.endToEnd.runs.filter((run) => (run.sampled?.samples.length ?? 0) > 0);
  const samples = runs.flatMap((run) => run.sampled?.samples ?? []);
  const maxT = Math.max(1, ...samples.map((s) => s.t));
  const maxDepth = Math.max(1, ...samples.flatMap((s) => [s.ingest, s.target]));
  const px = (t: number) => x + (width * t) / maxT;
  const py = (depth: number) => bottom - ((bottom - top) * depth) / maxDepth;
  const dash = ['', '6 3', '2 3', '10 3 2 3'];
  const parts = [
    text(
      x,
      y + 14,
      `Queue depth end to end (waiting+active+delayed, every 250 ms), max ${maxDepth}`,
      'class="title"',
    ),
    `<line x1="${x}" y1="${bottom}" x2="${x + width}" y2="${bottom}" class="axis"/>`,
    text(x + width, bottom + 15, `${maxT.toFixed(0)} s`, 'class="label" text-anchor="end"'),
    text(x, bottom + 15, '0 s', 'class="label"'),
  ];
  runs.forEach((run, i) => {
    const points = (pick: 'ingest' | 'target') =>
      (run.sampled?.samples ?? []).map((s) => `${px(s.t).toFixed(1)},${py(s[pick]).toFixed(1)}`).join(' ');
    for (const queue of ['ingest', 'target'] as const)
      parts.push(
        `<polyline points="${points(queue)}" fill="none" stroke="${DEPTH_COLOURS[queue]}" stroke-width="1.6" stroke-dasharray="${dash[i % dash.length]}"/>`,
      );
    const legendY = top + 4 + i * 14;
    parts.push(
      `<line x1="${x + width - 250}" y1="${legendY}" x2="${x + width - 220}" y2="${legendY}" stroke="#444" stroke-dasharray="${dash[i % dash.length]}"/>`,
      text(x + width - 214, legendY + 4, run.target, 'class="label"'),
    );
  });
  parts.push(
    text(
      x + width - 250,
      top + 4 + runs.length * 14 + 6,
      'orange: ingest queue, green: target queue',
      'class="label"',
    ),
  );
  return parts.join('\n');
}

export function renderChartSvg(results: BenchResults): string {
  const payloads = [...new Set(results.receiver.map((row) => row.payload))];
  const panelWidth = (WIDTH - 60 - (payloads.length - 1) * 30) / payloads.length;
  const rows: string[] = [];
  payloads.forEach((payload, i) => {
    const x = 30 + i * (panelWidth + 30);
    const cases = results.receiver.filter((row) => row.payload === payload);
    rows.push(
      barPanel(
        x,
        40,
        panelWidth,
        PANEL_HEIGHT,
        `Receiver, ${payload}: requests/s (2xx)`,
        cases.map((row) => ({
          label: `${row.connections} conn`,
          baseline: row.baseline.requestsPerSecond,
          forwarder: row.forwarder.requestsPerSecond,
        })),
      ),
      barPanel(
        x,
        40 + PANEL_HEIGHT,
        panelWidth,
        PANEL_HEIGHT,
        `Receiver, ${payload}: p99 latency, ms`,
        cases.map((row) => ({
          label: `${row.connections} conn`,
          baseline: row.baseline.p99Ms,
          forwarder: row.forwarder.p99Ms,
        })),
        milliseconds,
      ),
    );
  });
  const e = results.endToEnd;
  const third = 40 + PANEL_HEIGHT * 2;
  rows.push(
    barPanel(
      30,
      third,
      WIDTH * 0.42,
      PANEL_HEIGHT,
      `End to end, ${e.issuesPerSnapshot}-issue snapshots × ${e.snapshots}, ${e.concurrency} conn: findings/s`,
      e.runs.map((run) => ({
        label: run.target,
        baseline: e.acceptedFindingsPerSecond,
        forwarder: run.findingsPerSecond,
      })),
    ),
    depthPanel(WIDTH * 0.42 + 80, third, WIDTH * 0.58 - 110, PANEL_HEIGHT, results),
  );
  const height = third + PANEL_HEIGHT + 10;
  const c = results.conditions;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    '<style>text{font-family:"DejaVu Sans",sans-serif;fill:#1b1f24}.title{font-size:13px;font-weight:bold}' +
      '.label{font-size:11px}.value{font-size:10px}.axis{stroke:#57606a}</style>',
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    text(
      30,
      20,
      `npm run bench (${results.mode}), ${results.ranAt.slice(0, 16).replace('T', ' ')} UTC: ${c.cores} cores ${c.cpu}, ` +
        `Node ${c.node}, load ${c.loadAverageAtStart.join(' ')}`,
      'class="title"',
    ),
    `<rect x="${WIDTH - 330}" y="9" width="12" height="12" fill="${BASELINE_COLOUR}"/>`,
    text(WIDTH - 314, 20, 'bare baseline (node:http + HMAC + LPUSH)', 'class="label"'),
    `<rect x="${WIDTH - 330}" y="25" width="12" height="12" fill="${FORWARDER_COLOUR}"/>`,
    text(WIDTH - 314, 36, 'forwarder (start, defaults)', 'class="label"'),
    ...rows,
    '</svg>',
  ].join('\n');
}

/** A page holding only the chart, at its natural size. */
export function renderChartPage(results: BenchResults): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff}</style></head><body>${renderChartSvg(results)}</body></html>`;
}
