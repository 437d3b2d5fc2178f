// What `npm run bench` measured, as data (bench.json) and as Markdown tables (bench.md, docs/performance.md).
import type { OutputFormat } from '../normalizers/index.js';
import { markdownTable } from '../test/helpers/generated-doc.js';
import type { EndToEnd } from './end-to-end-run.js';
import type { NormalizeResult } from './normalize-measure.js';
import type { Load } from './post-webhook.js';
import type { ReceiverLoad } from './receiver-load.js';
import type { RedisContext } from './redis-context.js';

export interface ReceiverRow {
  payload: string;
  connections: number;
  baseline: ReceiverLoad;
  forwarder: ReceiverLoad;
  /** Forwarder / baseline requests/s. */
  ratio: number;
  /** The previous run's backlog had not drained in time: this run is on a fresh forwarder. */
  freshForwarder: boolean;
  /** The previous run's backlog was still draining during this run (quick runs only). */
  backlogBefore: boolean;
  peakForwarderRssMiB: number;
  peakRedisRssMiB: number;
  peakIngestDepth: number;
  peakTargetDepth: number;
}

export interface BenchResults {
  ranAt: string;
  mode: 'full' | 'quick';
  wallSeconds: number;
  conditions: {
    cpu: string;
    cores: number;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    node: string;
    kernel: string;
    /** The commit measured. */
    revision: string;
    redis: string;
    durability: { redis: string; fileTarget: string };
    forwarder: string;
    payloads: { name: string; issues: number; bytes: number }[];
    connections: number[];
    receiverSecondsPerRun: number;
    distinctBodiesPerRun: Record<string, number>;
    /** Every size and time budget of the run (bench/bench.ts SIZE). */
    sizes: Record<string, unknown>;
  };
  receiver: ReceiverRow[];
  endToEnd: {
    snapshots: number;
    concurrency: number;
    issuesPerSnapshot: number;
    baseline: Load;
    acceptedFindingsPerSecond: number;
    runs: (EndToEnd & { ratio: number })[];
  };
  normalize: {
    issuesPerSnapshot: number;
    results: NormalizeResult[];
    reference: { stringifyRawIssuePerSecond: number; stringifyRawIssuePerCpuSecond: number };
  };
  large: {
    snapshots: number;
    concurrency: number;
    issuesPerSnapshot: number;
    snapshotBytes: number;
    endToEnd: EndToEnd;
    normalizeAlone: NormalizeResult;
    ratio: number;
  };
  tenMiB: {
    snapshotBytes: number;
    issues: number;
    maxBodyBytes: number;
    acceptMs: number;
    deliveredSeconds: number;
    idleForwarderRssMiB: number;
    idleRedisRssMiB: number;
    peakForwarderRssMiB: number;
    forwarderHwmMiB: number;
    peakRedisRssMiB: number;
    redisHwmMiB: number;
  };
  redisBenchmark: RedisContext;
}

const number = (value: number) => value.toLocaleString('en-US');
const bytes = (value: number) =>
  value >= 1024 * 1024 ? `${(value / 1024 / 1024).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
/** autocannon records whole milliseconds: 0 is an answer in under 1 ms. */
const ms = (value: number) => (value === 0 ? '<1' : String(value));
const latency = (load: ReceiverLoad) => `${ms(load.p50Ms)} / ${ms(load.p99Ms)} / ${ms(load.p999Ms)}`;
const failures = (load: ReceiverLoad) =>
  load.non2xx + load.errors === 0
    ? '0'
    : `${load.non2xx} non-2xx${Object.keys(load.statusCodes).length > 1 ? ` (${statusList(load)})` : ''}, ${load.errors} errors`;
function statusList(load: ReceiverLoad): string {
  return Object.entries(load.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${count}× ${code}`)
    .join(', ');
}
const partial = (run: EndToEnd) =>
  run.complete ? '' : ` (time budget: ${number(run.records)} of ${number(run.expected)} records had arrived)`;
const met = (ok: boolean) => (ok ? 'yes' : 'no');

/** One line of conditions, for the top of each table section. */
export function conditionsLine(results: BenchResults): string {
  const c = results.conditions;
  return (
    `${results.mode === 'quick' ? 'Quick (small-size) run' : 'Run'} of ${results.ranAt.slice(0, 16).replace('T', ' ')} UTC ` +
    `(commit ${c.revision}) ` +
    `in ${results.wallSeconds} s: ${c.cores} cores (${c.cpu}), load average ${c.loadAverageAtStart.join(' ')} at ` +
    `start, Node ${c.node}, ${c.redis.replace(/ sha=.*$/, '')}, Linux ${c.kernel}. Durability: Redis ${c.durability.redis}; ` +
    `file target: ${c.durability.fileTarget}. Forwarder: ${c.forwarder}. Payloads: ` +
    `${c.payloads.map((p) => `${p.name} ${bytes(p.bytes)}${p.issues > 0 && !/issues/.test(p.name) ? ` (${number(p.issues)} issues)` : ''}`).join(', ')}.`
  );
}

function targetsTable(results: BenchResults): string {
  const at64 = results.receiver.find((row) => row.payload === '5 issues' && row.connections === 64);
  const run = (name: string) => results.endToEnd.runs.find((r) => r.target === name);
  const e2e = (name: string, floor: number) => {
    const r = run(name);
    return [
      `end to end to ${name}, ≥ ${floor}× the baseline's accepted findings/s`,
      r === undefined ? 'not run' : `${r.ratio}× (${number(r.findingsPerSecond)} findings/s)`,
      met(r !== undefined && r.ratio >= floor),
    ];
  };
  const bestNormalize = Math.max(...results.normalize.results.map((r) => r.findingsPerCpuSecond));
  return markdownTable(
    ['target (5-issue snapshots unless said)', 'measured', 'met'],
    [
      [
        'receiver at 64 connections, ≥ 0.7× the baseline, p99 < 100 ms',
        at64 === undefined ? 'not run' : `${at64.ratio}× (p99 ${at64.forwarder.p99Ms} ms)`,
        met(at64 !== undefined && at64.ratio >= 0.7 && at64.forwarder.p99Ms < 100),
      ],
      e2e('file', 0.5),
      e2e('http collector', 0.5),
      e2e('syslog-ng over TCP', 0.4),
      e2e('syslog-ng over TLS', 0.4),
      [
        '500-issue snapshot delivered, ≥ 0.5× normalise + encode alone (JSON)',
        `${results.large.ratio}×`,
        met(results.large.ratio >= 0.5),
      ],
      [
        'one 10 MiB snapshot, forwarder RSS < 300 MiB',
        `${results.tenMiB.forwarderHwmMiB} MiB (VmHWM)`,
        met(results.tenMiB.forwarderHwmMiB < 300),
      ],
      [
        'normalise + encode, 50,000 findings/s per core',
        `${number(bestNormalize)} per CPU second (best format)`,
        met(bestNormalize >= 50_000),
      ],
    ],
  );
}

function receiverTable(results: BenchResults): string {
  return markdownTable(
    [
      'payload',
      'connections',
      'baseline requests/s',
      'baseline p50 / p99 / p99.9 ms',
      'forwarder requests/s',
      'forwarder p50 / p99 / p99.9 ms',
      'forwarder failed',
      'ratio',
      'forwarder peak RSS (redis-server)',
    ],
    results.receiver.map((row) => [
      row.payload,
      row.connections,
      number(row.baseline.requestsPerSecond),
      latency(row.baseline),
      number(row.forwarder.requestsPerSecond),
      latency(row.forwarder),
      failures(row.forwarder),
      row.ratio,
      `${row.peakForwarderRssMiB} MiB (${row.peakRedisRssMiB} MiB)`,
    ]),
  );
}

/** Which receiver runs did not start on an idle forwarder, and why. */
function restarts(results: BenchResults): string[] {
  const name = (row: ReceiverRow) => `${row.payload} × ${row.connections}`;
  const fresh = results.receiver.filter((row) => row.freshForwarder).map(name);
  const busy = results.receiver.filter((row) => row.backlogBefore).map(name);
  return [
    ...(fresh.length > 0
      ? [
          `On a fresh forwarder, as the previous run's backlog had not drained in time: ${fresh.join(', ')}.`,
          '',
        ]
      : []),
    ...(busy.length > 0 ? [`With the previous run's backlog still draining: ${busy.join(', ')}.`, ''] : []),
  ];
}

function endToEndTable(results: BenchResults): string {
  const e = results.endToEnd;
  return markdownTable(
    [
      'peer',
      'findings/s end to end',
      'baseline accepted findings/s',
      'ratio',
      'receiver requests/s (p99 ms)',
      'peak depth ingest / target',
      'peak RSS forwarder / redis-server',
    ],
    e.runs.map((run) => [
      run.target,
      number(run.findingsPerSecond) + partial(run),
      number(e.acceptedFindingsPerSecond),
      run.ratio,
      `${number(run.receiver.requestsPerSecond)} (${run.receiver.p99Ms})`,
      `${run.sampled?.peakIngestDepth ?? '-'} / ${run.sampled?.peakTargetDepth ?? '-'}`,
      `${run.sampled?.peakForwarderRssMiB ?? '-'} / ${run.sampled?.peakRedisRssMiB ?? '-'} MiB`,
    ]),
  );
}

function normalizeTable(results: BenchResults): string {
  const formats: OutputFormat[] = results.normalize.results.map((r) => r.format);
  return markdownTable(
    ['format', 'findings/s', 'per CPU second', 'characters per record'],
    formats.map((format) => {
      const r = results.normalize.results.find((result) => result.format === format) as NormalizeResult;
      return [format, number(r.findingsPerSecond), number(r.findingsPerCpuSecond), number(r.bytesPerFinding)];
    }),
  );
}

function memoryTable(results: BenchResults): string {
  const t = results.tenMiB;
  const l = results.large;
  const steady = results.endToEnd.runs.reduce(
    (peak, run) => ({
      forwarder: Math.max(peak.forwarder, run.sampled?.peakForwarderRssMiB ?? 0),
      forwarderHwm: Math.max(peak.forwarderHwm, run.sampled?.forwarderHwmMiB ?? 0),
      redis: Math.max(peak.redis, run.sampled?.peakRedisRssMiB ?? 0),
      redisHwm: Math.max(peak.redisHwm, run.sampled?.redisHwmMiB ?? 0),
    }),
    { forwarder: 0, forwarderHwm: 0, redis: 0, redisHwm: 0 },
  );
  return markdownTable(
    ['measurement', 'figure'],
    [
      [
        `${number(l.snapshots)} × ${number(l.issuesPerSnapshot)}-issue snapshots (${bytes(l.snapshotBytes)}) to the file, ${l.concurrency} connections`,
        `${number(l.endToEnd.findingsPerSecond)} findings/s end to end${partial(l.endToEnd)}; normalise + encode alone (JSON, same body): ` +
          `${number(l.normalizeAlone.findingsPerSecond)}/s; ratio ${l.ratio}`,
      ],
      [
        `one ${bytes(t.snapshotBytes)} snapshot (${number(t.issues)} issues; receiver.maxBodyBytes ${bytes(t.maxBodyBytes)}, the default)`,
        `202 in ${t.acceptMs} ms, delivered in ${t.deliveredSeconds} s; forwarder RSS ${t.idleForwarderRssMiB} MiB idle, ` +
          `peak ${t.peakForwarderRssMiB} MiB sampled, VmHWM ${t.forwarderHwmMiB} MiB; redis-server ${t.idleRedisRssMiB} → ` +
          `${t.peakRedisRssMiB} MiB (VmHWM ${t.redisHwmMiB} MiB)`,
      ],
      [
        `steady load: ${number(results.endToEnd.snapshots)} 5-issue snapshots over ${results.endToEnd.concurrency} connections, every peer`,
        `forwarder peak RSS ${steady.forwarder} MiB sampled (VmHWM ${steady.forwarderHwm} MiB), redis-server ` +
          `${steady.redis} MiB (VmHWM ${steady.redisHwm} MiB)`,
      ],
    ],
  );
}

function redisTable(results: BenchResults): string {
  const r = results.redisBenchmark;
  const commands = [...new Set(r.rows.map((row) => row.command))];
  const cell = (command: string, pipeline: number) => {
    const row = r.rows.find((x) => x.command === command && x.pipeline === pipeline);
    return row === undefined
      ? '-'
      : `${number(row.requestsPerSecond)} (p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms)`;
  };
  return markdownTable(
    ['command', 'requests/s, -P 1', 'requests/s, -P 16'],
    commands.map((command) => [command, cell(command, 1), cell(command, 16)]),
  );
}

/** The tables docs/performance.md shows between its generated markers. */
export function performanceSection(results: BenchResults): string {
  const e = results.endToEnd;
  const r = results.redisBenchmark;
  return [
    conditionsLine(results),
    '',
    '**Against the targets**',
    '',
    targetsTable(results),
    '',
    `**Receiver** (autocannon, ${results.conditions.receiverSecondsPerRun} s per run or until every distinct body was ` +
      'sent; requests/s counts 2xx answers; latencies of the 2xx answers)',
    '',
    receiverTable(results),
    '',
    ...restarts(results),
    `**End to end**, ${number(e.snapshots)} signed ${e.issuesPerSnapshot}-issue snapshots over ${e.concurrency} ` +
      `connections, from the first request to the last record at the peer (baseline: ${number(e.baseline.requestsPerSecond)} ` +
      `requests/s, p99 ${e.baseline.p99Ms} ms)`,
    '',
    endToEndTable(results),
    '',
    `**Normalise + encode** alone, one ${number(results.normalize.issuesPerSnapshot)}-issue snapshot per round, one ` +
      `core (reference: JSON.stringify of the raw issue, ${number(results.normalize.reference.stringifyRawIssuePerSecond)}/s)`,
    '',
    normalizeTable(results),
    '',
    '**Large snapshots and memory**',
    '',
    memoryTable(results),
    '',
    `**Context:** redis-benchmark ${r.clients} clients, ${number(r.requests)} requests per test, ${r.dataBytes}-byte ` +
      'values, on a private redis-server with the same AOF settings',
    '',
    redisTable(results),
    '',
  ].join('\n');
}

/** bench/results/bench.md: the same tables with a title. */
export function benchMarkdown(results: BenchResults): string {
  return [
    '# npm run bench',
    '',
    'Generated by `npm run bench` (bench/bench.ts); what each part measures: docs/performance.md. Chart: bench.png.',
    '',
    performanceSection(results),
  ].join('\n');
}
