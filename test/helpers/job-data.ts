// Job data as the receiver and the ingest worker store it, for tests that put jobs straight into a queue.
import { createHash, randomUUID } from 'node:crypto';
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
