// `snyk-siem-forwarder targets test`: sends one synthetic finding to each target and prints OK or why it failed.
import { randomUUID } from 'node:crypto';
import { encode, facets, normalize } from '../../normalizers/index.js';
import { loadConfig } from '../config/load.js';
import { SendError } from '../errors.js';
import { buildTarget } from '../targets/registry.js';
import type { TargetConfig } from '../targets/target-schema.js';
import { encodedRecord, type RecordBatch } from '../record-batch.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';
import { SAMPLE_EVENT, SAMPLE_PAYLOAD } from './sample-payload.js';

export const TARGETS_HELP = `Usage: snyk-siem-forwarder targets test [--target T] [--config FILE]

Sends one synthetic finding (from the built-in sample, marked with a "targets-test-" transport id)
straight to each target, bypassing the queue, and prints OK with the latency, or the failure with its
reason and whether a retry could help. Exits 1 if any target failed.

Options:
  -t, --target T       Only this target
  -c, --config FILE    Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
      --timeout MS     Give up on a target after this long (default 15000)
  -h, --help           Show this help
`;

/** One synthetic finding, encoded for the target's format. */
export function syntheticBatch(target: TargetConfig, now: Date): RecordBatch {
  const transportId = `targets-test-${randomUUID()}`;
  const records = normalize(JSON.parse(SAMPLE_PAYLOAD) as unknown, {
    event: SAMPLE_EVENT,
    transportId,
    snykTimestamp: now.toISOString(),
    receivedAt: now.toISOString(),
    payloadBytes: SAMPLE_PAYLOAD.length,
  });
  const finding = records.find((record) => facets(record).kind === 'finding') ?? records[0];
  if (!finding) throw new Error('the built-in sample produced no record');
  const f = facets(finding);
  return {
    deliveryId: transportId,
    transportId,
    records: [encodedRecord(f, target.format, encode(finding, target.format))],
  };
}

export async function runTargets(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    target: { type: 'string', short: 't' },
    config: { type: 'string', short: 'c' },
    timeout: { type: 'string', default: '15000' },
  });
  if (values.help || positionals[0] !== 'test') {
    process.stdout.write(TARGETS_HELP);
    return values.help ? 0 : 2;
  }
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout must be a positive integer');
  const { config } = loadConfig({ configFile: values.config });
  const selected = config.targets.filter(
    (target) => values.target === undefined || target.name === values.target,
  );
  if (selected.length === 0) throw new UsageError(`no target named "${values.target}"`);
  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });

  let failures = 0;
  for (const targetConfig of selected) {
    const started = performance.now();
    const label = `${targetConfig.name} (${targetConfig.type}, ${targetConfig.format})`;
    try {
      const target = buildTarget(targetConfig, { logger });
      try {
        await target.send(syntheticBatch(targetConfig, new Date()), {
          signal: AbortSignal.timeout(timeoutMs),
          logger,
          checkpoint: async () => undefined,
          reject: async () => undefined,
        });
      } finally {
        await target.close();
      }
      process.stdout.write(`OK    ${label} ${Math.round(performance.now() - started)} ms\n`);
    } catch (error) {
      failures += 1;
      const ms = Math.round(performance.now() - started);
      const detail =
        error instanceof SendError
          ? `${error.code}: ${error.message} (${error.retryable ? 'retryable' : 'permanent'})`
          : (error as Error).message;
      process.stdout.write(`FAIL  ${label} ${ms} ms: ${detail}\n`);
    }
  }
  return failures > 0 ? 1 : 0;
}
