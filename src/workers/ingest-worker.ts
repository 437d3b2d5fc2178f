// The ingest worker: normalises one stored delivery and adds one delivery job per enabled target to its own queue.
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from 'winston';
import { encode, facets, normalize, PayloadError } from '../../normalizers/index.js';
import type { Config, RetryConfig } from '../config/schema.js';
import type { TargetConfig } from '../targets/target-schema.js';
import type { EncodedRecord } from '../targets/types.js';
import { DELIVERY_JOB, type DeliveryJobData, type IngestJobData } from '../queue/jobs.js';
import { INGEST_QUEUE, targetQueueName } from '../queue/names.js';
import { deliveryJobOptions, STALLED_TOO_OFTEN, stalledJobOptions } from '../queue/retry-policy.js';
import { passesFilter } from './filter.js';
import { closeWithin, settlesWithin } from '../lifecycle/close-within.js';

export interface IngestWorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  targets: readonly TargetConfig[];
  retry: RetryConfig;
  keepCompleted: number;
  /** Lock and stalled-job settings (`workers.*`), the same for every worker. */
  workers: Config['workers'];
  logger: Logger;
}

/** Pure: the delivery jobs one ingest job produces, one per enabled target with at least one record. */
export function fanOut(
  data: IngestJobData,
  deliveryId: string,
  targets: readonly TargetConfig[],
): DeliveryJobData[] {
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
  const jobs: DeliveryJobData[] = [];
  for (const target of targets) {
    if (!target.enabled) continue;
    const encoded: EncodedRecord[] = [];
    for (const entry of withFacets) {
      const f = entry.facets;
      if (!passesFilter(f, target.filter)) continue;
      encoded.push({
        id: f.recordId,
        time: f.time,
        kind: f.kind,
        severity: f.severity,
        format: target.format,
        body: bodyOf(entry, target.format),
      });
    }
    if (encoded.length === 0) continue;
    jobs.push({
      target: target.name,
      deliveryId,
      transportId: data.transportId,
      records: encoded,
      deliveredCount: 0,
    });
  }
  return jobs;
}

export function createIngestWorker(options: IngestWorkerOptions) {
  const queues = new Map<string, Queue<DeliveryJobData>>();
  for (const target of options.targets) {
    const queue = new Queue<DeliveryJobData>(targetQueueName(target.name), {
      connection: options.connection,
      prefix: options.prefix,
    });
    queue.on('error', () => undefined);
    queues.set(target.name, queue);
  }
  const jobOptions = deliveryJobOptions(options.retry, options.keepCompleted);

  async function process(job: Job<IngestJobData>): Promise<{ records: Record<string, number> }> {
    const deliveryId = job.id ?? 'unknown';
    const log = options.logger.child({ transportId: job.data.transportId, deliveryId });
    let deliveries: DeliveryJobData[];
    try {
      deliveries = fanOut(job.data, deliveryId, options.targets);
    } catch (error) {
      if (error instanceof PayloadError) {
        // The raw payload stays in the ingest queue's failed set for `dlq replay` after a fix.
        log.error('Payload cannot be understood; the delivery is dead-lettered.', { reason: error.message });
        throw new UnrecoverableError(`payload_invalid: ${error.message}`);
      }
      throw error;
    }
    const counts: Record<string, number> = {};
    for (const delivery of deliveries) {
      const queue = queues.get(delivery.target);
      if (!queue) continue;
      // Deterministic job ids make a retried ingest job add nothing twice while the delivery job is kept.
      await queue.add(DELIVERY_JOB, delivery, { ...jobOptions, jobId: `${deliveryId}-${delivery.target}` });
      counts[delivery.target] = delivery.records.length;
    }
    log.info('Delivery normalised.', { event: job.data.event, records: counts });
    return { records: counts };
  }

  const worker = new Worker<IngestJobData>(INGEST_QUEUE, process, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...stalledJobOptions(options.workers),
  });
  worker.on('error', (error) => options.logger.warn('Ingest worker error.', { error: error.message }));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const fields = { transportId: job.data.transportId, deliveryId: job.id, reason: error.message };
    if (error.message === STALLED_TOO_OFTEN) {
      options.logger.error(
        `Ingest job stalled more than workers.maxStalledCount (${options.workers.maxStalledCount}) times: its worker stopped while processing it each time; kept in the ingest dead-letter queue.`,
        { ...fields, stalls: job.stalledCounter },
      );
      return;
    }
    options.logger.warn('Ingest job failed.', fields);
  });

  return {
    worker,
    /** Stops taking jobs and lets active ones finish until the deadline; then drops them (they are retried). */
    async close(graceMs: number): Promise<void> {
      if (!(await settlesWithin(worker.close(), graceMs))) {
        if (!(await settlesWithin(worker.close(true), 2000))) await settlesWithin(worker.disconnect(), 1000);
      }
      await Promise.all([...queues.values()].map((queue) => closeWithin(queue, 2000)));
    },
  };
}
