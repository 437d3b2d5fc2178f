// The receiver's side of the ingest queue: stores one job per delivery, deduplicated on transport id + body hash.
import { createHash, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { INGEST_JOB, type IngestJobData } from './jobs.js';
import { INGEST_QUEUE } from './names.js';
import { closeWithin } from '../lifecycle/close-within.js';

export interface IngestProducerOptions {
  client: Redis;
  prefix: string;
  dedupWindowSeconds: number;
  keepCompleted: number;
}

export interface Enqueued {
  deliveryId: string;
}

/** Ingest jobs retry only on infrastructure errors (a Redis hiccup while fanning out); bad payloads fail at once. */
const INGEST_ATTEMPTS = 10;

/**
 * The delivery id: a hash of the (unsigned) transport id and the (signed) body. Hashing the body in means a forged
 * transport id can never suppress a different, genuine delivery.
 */
export function deliveryIdFor(transportIdHeader: string, bodySha256: string): string {
  return `d-${createHash('sha256').update(`${transportIdHeader}\0${bodySha256}`).digest('hex').slice(0, 40)}`;
}

export function createIngestProducer(options: IngestProducerOptions) {
  // skipWaitingForReady + skipVersionCheck: the queue fails fast while Redis is down and recovers when it returns
  // (BullMQ 6: a Queue built with skipWaitingForReady alone stays broken after an outage); the version and eviction checks run separately at start.
  const queue = new Queue<IngestJobData>(INGEST_QUEUE, {
    connection: options.client,
    prefix: options.prefix,
    skipWaitingForReady: true,
    skipVersionCheck: true,
  });
  queue.on('error', () => undefined);

  return {
    queue,
    async enqueue(data: IngestJobData, transportIdHeader: string | undefined): Promise<Enqueued> {
      const dedup = transportIdHeader !== undefined && options.dedupWindowSeconds > 0;
      const deliveryId = dedup
        ? deliveryIdFor(transportIdHeader, data.bodySha256)
        : `d-${randomUUID().replaceAll('-', '')}`;
      await queue.add(INGEST_JOB, data, {
        jobId: deliveryId,
        // Throttle-mode deduplication: the key expires after the window whether or not the job is still kept.
        ...(dedup ? { deduplication: { id: deliveryId, ttl: options.dedupWindowSeconds * 1000 } } : {}),
        attempts: INGEST_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { count: options.keepCompleted },
        removeOnFail: false,
      });
      return { deliveryId };
    },
    async close(): Promise<void> {
      await closeWithin(queue, 2000);
    },
  };
}

export type IngestProducer = ReturnType<typeof createIngestProducer>;
