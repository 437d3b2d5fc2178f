// Job data as the receiver and the ingest worker store it, for tests that put jobs straight into a queue.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IngestJobData, TargetJobData } from '../../src/queue/jobs.js';

/** A target job of one small record, with ids derived from `id`. */
export function targetJobData(id: string, target: string): TargetJobData {
  return {
    deliveryId: id,
    transportId: `transport-${id}`,
    target,
    deliveredCount: 0,
    records: [
      {
        id: `r-${id}`,
        time: '2024-01-01T00:00:00.000Z',
        kind: 'finding',
        severity: 'high',
        format: 'json',
        body: '{}',
      },
    ],
  };
}

/** An ingest job holding `body` as received, with a fresh transport id. */
export function ingestJobData(body: string, event = 'project_snapshot/v0'): IngestJobData {
  return {
    event,
    transportId: randomUUID(),
    snykTimestamp: undefined,
    receivedAt: new Date().toISOString(),
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}

/** The ingest job of the mrzarquon capture (three findings with 4.5-5.5 KB advisories) at fixed times, for fan-out. */
export function capturedIngestJob(
  fixtureName = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
) {
  return {
    event: 'project_snapshot/v0',
    transportId: 'tid-1',
    snykTimestamp: '2026-11-26T10:00:00Z',
    receivedAt: '2026-11-26T10:00:01.000Z',
    body: readFileSync(new URL(`../fixtures/snyk/${fixtureName}`, import.meta.url), 'utf8'),
    bodySha256: 'x',
  } satisfies IngestJobData;
}
