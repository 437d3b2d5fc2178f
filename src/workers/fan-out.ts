// Pure fan-out of one stored delivery: parse, normalise, filter and encode into one target job per target.
import { encode, facets, normalize, PayloadError } from '../../normalizers/index.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { EncodedRecord } from '../record-batch.js';
import type { TargetJobData, IngestJobData } from '../queue/jobs.js';
import { passesFilter } from './filter.js';

/** What fan-out needs of a target: no secret or connection setting ever leaves the main thread. */
export type FanOutTarget = Pick<TargetConfig, 'name' | 'enabled' | 'format' | 'filter'>;

export function fanOutTargets(targets: readonly TargetConfig[]): FanOutTarget[] {
  return targets.map(({ name, enabled, format, filter }) => ({ name, enabled, format, filter }));
}

/** What fanOutCounted returns: the target jobs, and the records each enabled target's filter dropped. */
export interface FannedOut {
  jobs: TargetJobData[];
  filtered: Record<string, number>;
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
  // Each record is encoded at most once per format, however many targets share that format.
  const withFacets = records.map((record) => ({
    record,
    facets: facets(record),
    bodies: new Map<string, string>(),
  }));
  const bodyOf = (entry: (typeof withFacets)[number], format: TargetConfig['format']): string => {
    let body = entry.bodies.get(format);
    if (body === undefined) {
      body = encode(entry.record, format);
      entry.bodies.set(format, body);
    }
    return body;
  };
  const jobs: TargetJobData[] = [];
  const filtered: Record<string, number> = {};
  for (const target of targets) {
    if (!target.enabled) continue;
    const encoded: EncodedRecord[] = [];
    let dropped = 0;
    for (const entry of withFacets) {
      const f = entry.facets;
      if (!passesFilter(f, target.filter)) {
        dropped += 1;
        continue;
      }
      encoded.push({
        id: f.recordId,
        time: f.time,
        kind: f.kind,
        severity: f.severity,
        format: target.format,
        body: bodyOf(entry, target.format),
      });
    }
    filtered[target.name] = dropped;
    if (encoded.length === 0) continue;
    jobs.push({
      target: target.name,
      deliveryId,
      transportId: data.transportId,
      receivedAt: data.receivedAt,
      records: encoded,
      deliveredCount: 0,
    });
  }
  return { jobs, filtered };
}
