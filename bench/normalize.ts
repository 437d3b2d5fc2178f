// Micro-benchmark: findings per second for normalize + encode of a 1,000-issue snapshot, per output format.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { encode, normalize } from '../normalizers/index.js';
import type { DeliveryContext, OutputFormat } from '../normalizers/index.js';

const ISSUES = 1_000;
const SECONDS_PER_FORMAT = Number(process.argv[2] ?? 3);
const FIXTURE = fileURLToPath(
  new URL(
    '../test/fixtures/snyk/project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
    import.meta.url,
  ),
);

// 1,000 issues cloned from the three real issues of the capture (each with a 4.5-5.5 KB markdown description),
// with distinct ids so that every finding is its own record.
const capture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { newIssues: Record<string, unknown>[] };
const newIssues = Array.from({ length: ISSUES }, (_, i) => {
  const source = capture.newIssues[i % capture.newIssues.length];
  const issue = structuredClone(source) as { id: string; issueData: { id: string } };
  issue.id = `${issue.id}-${i}`;
  issue.issueData.id = issue.id;
  return issue;
});
const body = { ...capture, newIssues };
const context: DeliveryContext = {
  event: 'project_snapshot/v0',
  transportId: '998fe884-18a0-45db-8ae0-e379eea3bc0a',
  snykTimestamp: '2026-11-20T08:15:30.123Z',
  receivedAt: '2026-11-20T08:15:31.002Z',
  payloadBytes: Buffer.byteLength(JSON.stringify(body)),
};

interface Result {
  format: OutputFormat;
  /** Findings per wall-clock second. */
  findingsPerSecond: number;
  /** Findings per second of CPU time of this process: less sensitive to other load on a shared machine. */
  findingsPerCpuSecond: number;
  snapshots: number;
  seconds: number;
  bytesPerFinding: number;
}

function run(format: OutputFormat): Result {
  // Warm up the JIT before timing.
  for (let i = 0; i < 3; i += 1) for (const r of normalize(body, context)) encode(r, format);
  let snapshots = 0;
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(SECONDS_PER_FORMAT * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const record of normalize(body, context)) bytes += encode(record, format).length;
    snapshots += 1;
    elapsed = process.hrtime.bigint() - start;
  }
  const seconds = Number(elapsed) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    format,
    findingsPerSecond: Math.round((snapshots * ISSUES) / seconds),
    findingsPerCpuSecond: Math.round((snapshots * ISSUES) / cpuSeconds),
    snapshots,
    seconds: Number(seconds.toFixed(3)),
    bytesPerFinding: Math.round(bytes / (snapshots * (ISSUES + 1))),
  };
}

/**
 * Reference for the machine: JSON.stringify of each raw issue, once. The ECS and JSON encoders cannot beat it,
 * since they serialise the same text (the 4.5-5.5 KB descriptions dominate), so it shows what the hardware allows.
 */
function reference(): { stringifyRawIssuePerSecond: number; stringifyRawIssuePerCpuSecond: number } {
  for (const issue of newIssues) JSON.stringify(issue);
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - start) < SECONDS_PER_FORMAT * 1e9) {
    for (const issue of newIssues) JSON.stringify(issue);
    n += ISSUES;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return {
    stringifyRawIssuePerSecond: Math.round(n / seconds),
    stringifyRawIssuePerCpuSecond: Math.round(n / ((cpu.user + cpu.system) / 1e6)),
  };
}

const results = (['cef', 'leef', 'ecs', 'json'] as const).map(run);
const machine = reference();
for (const r of results) {
  console.log(
    `${r.format.padEnd(5)} ${r.findingsPerSecond.toLocaleString('en-US').padStart(9)} findings/s wall, ` +
      `${r.findingsPerCpuSecond.toLocaleString('en-US').padStart(9)} per CPU second ` +
      `(${r.snapshots} snapshots in ${r.seconds} s, ~${r.bytesPerFinding} chars/record)`,
  );
}
console.log(
  `(reference: JSON.stringify of the raw issue alone runs ${machine.stringifyRawIssuePerSecond.toLocaleString('en-US')}/s wall, ` +
    `${machine.stringifyRawIssuePerCpuSecond.toLocaleString('en-US')} per CPU second on this machine)`,
);
const out = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(
  `${out}normalize.json`,
  `${JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, loadAverage: loadavg(), issuesPerSnapshot: ISSUES, results, reference: machine }, null, 2)}\n`,
);
