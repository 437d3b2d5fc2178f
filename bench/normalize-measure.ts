// Findings per second for normalize + encode of one snapshot in one format, in this process: no queue, no I/O.
import { createHash } from 'node:crypto';
import { encode, normalize } from '../normalizers/index.js';
import type { DeliveryContext, OutputFormat } from '../normalizers/index.js';

export interface NormalizeResult {
  format: OutputFormat;
  /** Findings per wall-clock second. */
  findingsPerSecond: number;
  /** Findings per second of CPU time of this process: less sensitive to other load on a shared machine. */
  findingsPerCpuSecond: number;
  snapshots: number;
  seconds: number;
  bytesPerFinding: number;
}

/**
 * The delivery context every measurement uses (times fixed: normalizers/ takes the clock as data). The body's hash
 * is given, as the receiver gives it (it hashes the raw body once for the delivery id): without it the normalizer
 * would hash the whole re-serialised payload on every round, a cost the pipeline never pays.
 */
export function benchContext(body: unknown): DeliveryContext {
  const text = JSON.stringify(body);
  return {
    bodySha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    event: 'project_snapshot/v0',
    transportId: '998fe884-18a0-45db-8ae0-e379eea3bc0a',
    snykTimestamp: '2026-11-20T08:15:30.123Z',
    receivedAt: '2026-11-20T08:15:31.002Z',
    payloadBytes: Buffer.byteLength(text),
  };
}

/** Normalises and encodes the whole snapshot again and again for `seconds`, after three untimed rounds (JIT warm-up). */
export function measureNormalize(
  body: { newIssues: unknown[] },
  format: OutputFormat,
  seconds: number,
): NormalizeResult {
  const issues = body.newIssues.length;
  const context = benchContext(body);
  for (let i = 0; i < 3; i += 1) for (const r of normalize(body, context)) encode(r, format);
  let snapshots = 0;
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const record of normalize(body, context)) bytes += encode(record, format).length;
    snapshots += 1;
    elapsed = process.hrtime.bigint() - start;
  }
  const wall = Number(elapsed) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    format,
    findingsPerSecond: Math.round((snapshots * issues) / wall),
    findingsPerCpuSecond: Math.round((snapshots * issues) / cpuSeconds),
    snapshots,
    seconds: Number(wall.toFixed(3)),
    bytesPerFinding: Math.round(bytes / (snapshots * (issues + 1))),
  };
}

/**
 * Reference for the machine: JSON.stringify of each raw issue, once. The ECS and JSON encoders cannot beat it,
 * since they serialise the same text (the 4.5-5.5 KB descriptions dominate), so it shows what the hardware allows.
 */
export function stringifyReference(
  issues: readonly unknown[],
  seconds: number,
): { stringifyRawIssuePerSecond: number; stringifyRawIssuePerCpuSecond: number } {
  for (const issue of issues) JSON.stringify(issue);
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - start) < seconds * 1e9) {
    for (const issue of issues) JSON.stringify(issue);
    n += issues.length;
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return {
    stringifyRawIssuePerSecond: Math.round(n / wall),
    stringifyRawIssuePerCpuSecond: Math.round(n / ((cpu.user + cpu.system) / 1e6)),
  };
}
