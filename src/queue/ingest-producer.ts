// The receiver's side of the ingest queue: stores one job per delivery, deduplicated on the signed body's hash.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { INGEST_JOB, type IngestJobData } from './jobs.js';
import { INGEST_QUEUE, queuePrefix } from './names.js';
import { closeWithin } from '../lifecycle/close-within.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import { noteSnykContact } from './queue-stats.js';

export interface IngestProducerOptions {
  client: Redis | Cluster;
  prefix: string;
  dedupWindowSeconds: number;
}

export interface Enqueued {
  deliveryId: string;
  /** The delivery was stored already (the same body within receiver.dedupWindowSeconds): nothing new was added. */
  duplicate: boolean;
}

/** How often a receiver writes the time of Snyk's last delivery to Redis, at most. */
const CONTACT_WRITE_INTERVAL_MS = 1000;

/** Ingest jobs retry only on infrastructure errors (a Redis hiccup while fanning out); bad payloads fail at once. */
const INGEST_ATTEMPTS = 10;

/**
 * The delivery id: `d-` and the first 40 hex digits of SHA-256(body), the bytes the signature covers. Every header is
 * unsigned (X-Snyk-Transport-ID, X-Snyk-Timestamp, X-Snyk-Event), so none takes part: a captured body replayed with
 * new headers is the same delivery, and no forged header can suppress a different, genuine one. Snyk bodies carry
 * project.lastTestedDate (Snyk's payload docs, https://docs.snyk.io/snyk-api/how-to-use-snyk-webhooks-apis/webhooks), so every test of a project is a new body; two identical bodies
 * hold the same findings of the same test, and storing them once is right (a redelivery, or the two webhooks of a
 * secret rotation).
 */
export function deliveryIdFor(bodySha256: string): string {
  return `d-${bodySha256.slice(0, 40)}`;
}

export function createIngestProducer(options: IngestProducerOptions) {
  // skipWaitingForReady + skipVersionCheck: the queue fails fast while Redis is down and recovers when it returns
  // (BullMQ 6: a Queue built with skipWaitingForReady alone stays broken after an outage); the version and eviction checks run separately at start.
  const queue = new Queue<IngestJobData>(INGEST_QUEUE, {
    connection: options.client,
    prefix: queuePrefix(options.prefix, INGEST_QUEUE),
    skipWaitingForReady: true,
    skipVersionCheck: true,
  });
  // A failed add rejects enqueue() for its caller; the event itself, repeated while Redis is down, is logged and
  // counted.
  queue.on('error', clientErrorListener('ingest_queue'));

  let contactNotedAt = 0;

  return {
    queue,
    /**
     * Stores the delivery; resolves once Redis has it. A rejection (a command timeout) does not prove that nothing
     * was stored, which is why the id depends on the body alone: the sender's retry finds the stored job.
     */
    async enqueue(data: IngestJobData): Promise<Enqueued> {
      const dedup = options.dedupWindowSeconds > 0;
      const deliveryId = dedup ? deliveryIdFor(data.bodySha256) : `d-${randomUUID().replaceAll('-', '')}`;
      // Sent before the add's script on the same connection, so pipelined with it rather than a round trip more:
      // whether the job or its deduplication key (`<queue>:de:<id>`, bullmq's requeueDeduplicatedJob.lua) existed
      // before this add, and the time of Snyk's last delivery (snyk_last_delivery_timestamp_seconds). Neither may
      // fail the delivery: a failed check counts it as new, a failed write is a client error.
      const existed = dedup
        ? options.client.exists(queue.toKey(deliveryId), queue.toKey(`de:${deliveryId}`)).catch(() => 0)
        : Promise.resolve(0);
      // snyk_last_delivery_timestamp_seconds has a resolution of seconds: one write a second is enough, not one
      // per delivery during a burst.
      const now = Date.now();
      if (now - contactNotedAt >= CONTACT_WRITE_INTERVAL_MS) {
        contactNotedAt = now;
        void noteSnykContact(options.client, options.prefix, 'delivery').catch(
          clientErrorListener('receiver_redis'),
        );
      }
      await queue.add(INGEST_JOB, data, {
        jobId: deliveryId,
        // Throttle-mode deduplication: the key expires after the window whether or not the job is still kept.
        ...(dedup ? { deduplication: { id: deliveryId, ttl: options.dedupWindowSeconds * 1000 } } : {}),
        attempts: INGEST_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        // No removeOnComplete: the ingest worker's own (workers.keepCompleted, workers.keepCompletedSeconds) then
        // applies, so the process that completes a job decides how long it is kept (bullmq's WorkerOptions).
        removeOnFail: false,
      });
      return { deliveryId, duplicate: (await existed) > 0 };
    },
    async close(): Promise<void> {
      await closeWithin(queue, 2000);
    },
  };
}

export type IngestProducer = ReturnType<typeof createIngestProducer>;
