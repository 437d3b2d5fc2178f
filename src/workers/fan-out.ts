// Pure fan-out of one stored delivery: parse, normalise, filter and encode into one target job per target.
import { encode, encodeToFit, facets, normalize, PayloadError } from '../../normalizers/index.js';
import type { EncodeOptions, NormalizedRecord, OutputFormat } from '../../normalizers/index.js';
import { recordBudget } from '../targets/record-budget.js';
import type { TargetConfig } from '../targets/target-schema.js';
import { encodedRecord, type EncodedRecord } from '../record-batch.js';
import type { TargetJobData, IngestJobData } from '../queue/jobs.js';
import { passesFilter } from './filter.js';
import { snapshotDelta, type SnapshotDelta } from '../snyk/reconcile/snapshot-delta.js';

/** What fan-out needs of a target: no secret or connection setting ever leaves the main thread. */
export type FanOutTarget = Pick<TargetConfig, 'name' | 'enabled' | 'format' | 'filter'> & {
  /** UTF-8 bytes one record may take (targets/record-budget.ts); absent: no limit. */
  recordBudget?: number | undefined;
  /** json with the Splunk CIM Vulnerabilities fields (the splunk-hec target's `cim`). */
  cim?: boolean | undefined;
};

export function fanOutTargets(targets: readonly TargetConfig[]): FanOutTarget[] {
  return targets.map((config) => {
    const { name, enabled, format, filter } = config;
    const cim = 'cim' in config ? config.cim : undefined;
    return { name, enabled, format, filter, recordBudget: recordBudget(config), cim };
  });
}

/** A record's line for one target, and why it is refused when it cannot fit the target's budget. */
interface Line {
  body: string;
  refused?: string;
}

/**
 * The record in `format` within `budget` bytes (fit to size, normalizers/fit.ts). One that cannot fit even without its
 * advisory and title keeps its full line and a `record_too_large` reason: the target job holds it as refused, so it
 * reaches the dead-letter queue intact while the other records are delivered.
 */
function fittedLine(
  record: NormalizedRecord,
  format: OutputFormat,
  budget: number | undefined,
  options: EncodeOptions,
): Line {
  if (budget === undefined) return { body: encode(record, format, options) };
  const fitted = encodeToFit(record, format, budget, options);
  if (!fitted.tooLarge) return { body: fitted.line };
  return {
    body: fitted.line,
    refused:
      `record_too_large: ${fitted.bytes} bytes as ${format}, still ${fitted.minimalBytes} without what may give way,` +
      ` over the target's record budget of ${budget} bytes`,
  };
}

/** What fanOutCounted returns: the target jobs, and the records each enabled target's filter dropped. */
export interface FannedOut {
  jobs: TargetJobData[];
  filtered: Record<string, number>;
  /** What a project_snapshot changes in the forwarded set (snyk/reconcile/forwarded-set.ts), read from this parse. */
  delta?: SnapshotDelta;
}

/** The target jobs one ingest job produces, one per enabled target with at least one record. Throws PayloadError. */
export function fanOut(
  data: IngestJobData,
  deliveryId: string,
  targets: readonly FanOutTarget[],
): TargetJobData[] {
  return fanOutCounted(data, deliveryId, targets).jobs;
}

/** fanOut, and the count of records each target's filter dropped (records_filtered_total). */
export function fanOutCounted(
  data: IngestJobData,
  deliveryId: string,
  targets: readonly FanOutTarget[],
): FannedOut {
  let payload: unknown;
  try {
    payload = JSON.parse(data.body);
  } catch {
    throw new PayloadError('', 'the stored body is not JSON');
  }
  const records = normalize(payload, {
    event: data.event,
    transportId: data.transportId,
    snykTimestamp: data.snykTimestamp,
    receivedAt: data.receivedAt,
    payloadBytes: Buffer.byteLength(data.body),
    bodySha256: data.bodySha256,
  });
  const fanned = fanOutRecords(
    records,
    { deliveryId, transportId: data.transportId, receivedAt: data.receivedAt },
    targets,
  );
  const delta = data.event.startsWith('project_snapshot/') ? snapshotDelta(payload) : undefined;
  return delta === undefined ? fanned : { ...fanned, delta };
}

/**
 * The filter-and-encode half of fanOutCounted, for records made elsewhere (reconciliation, src/reconcile/): one target
 * job per enabled target with at least one record, under the delivery id given.
 */
export function fanOutRecords(
  records: readonly NormalizedRecord[],
  batch: { deliveryId: string; transportId: string; receivedAt: string },
  targets: readonly FanOutTarget[],
): FannedOut {
  const { deliveryId } = batch;
  // Each record is encoded at most once per format and budget, however many targets share them.
  const withFacets = records.map((record) => ({
    record,
    facets: facets(record),
    lines: new Map<string, Line>(),
  }));
  const lineOf = (entry: (typeof withFacets)[number], target: FanOutTarget): Line => {
    const key = `${target.format}:${target.recordBudget ?? ''}:${target.cim === true ? 'cim' : ''}`;
    let line = entry.lines.get(key);
    if (line === undefined) {
      line = fittedLine(entry.record, target.format, target.recordBudget, { cim: target.cim });
      entry.lines.set(key, line);
    }
    return line;
  };
  const jobs: TargetJobData[] = [];
  const filtered: Record<string, number> = {};
  for (const target of targets) {
    if (!target.enabled) continue;
    const encoded: EncodedRecord[] = [];
    const rejected: Record<string, string> = {};
    let dropped = 0;
    for (const entry of withFacets) {
      const f = entry.facets;
      if (!passesFilter(f, target.filter)) {
        dropped += 1;
        continue;
      }
      const line = lineOf(entry, target);
      encoded.push(encodedRecord(f, target.format, line.body));
      if (line.refused !== undefined) rejected[f.recordId] = line.refused;
    }
    filtered[target.name] = dropped;
    if (encoded.length === 0) continue;
    jobs.push({
      target: target.name,
      deliveryId,
      transportId: batch.transportId,
      receivedAt: batch.receivedAt,
      records: encoded,
      deliveredCount: 0,
      // The target worker sends the others and dead-letters these (workers/target-worker.ts).
      ...(Object.keys(rejected).length > 0 ? { rejected } : {}),
    });
  }
  return { jobs, filtered };
}
