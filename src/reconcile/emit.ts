// Puts reconciled records on the targets' own queues, so they get the same filters, retries and dead letters as webhooks.
import type { ConnectionOptions } from 'bullmq';
import type { NormalizedRecord } from '../../normalizers/index.js';
import type { Config } from '../config/schema.js';
import { targetJobOptions } from '../queue/retry-policy.js';
import { clientErrorListener } from '../telemetry/client-errors.js';
import { fanOutRecords, fanOutTargets } from '../workers/fan-out.js';
import { createTargetJobStore } from '../workers/target-job-store.js';

export interface RecordEmitter {
  /**
   * Encodes the records for every enabled target (its filter and record budget applied) and adds one target job per
   * target, as the fan-out of a webhook delivery does. The job ids derive from `batchId`, so a batch added again (a
   * resumed run) adds nothing twice while the first job is kept. Returns the records queued and filtered per target.
   */
  emit(
    records: readonly NormalizedRecord[],
    batch: { batchId: string; transportId: string; receivedAt: string },
  ): Promise<{ queued: Record<string, number>; filtered: Record<string, number> }>;
  close(): Promise<void>;
}

export function createRecordEmitter(options: {
  connection: ConnectionOptions;
  config: Readonly<Pick<Config, 'redis' | 'targets' | 'retry' | 'workers'>>;
}): RecordEmitter {
  const { config } = options;
  const targets = fanOutTargets(config.targets);
  const store = createTargetJobStore(
    {
      connection: options.connection,
      prefix: config.redis.prefix,
      jobOptions: targetJobOptions(
        config.retry,
        config.workers.keepCompleted,
        config.workers.keepCompletedSeconds,
      ),
    },
    clientErrorListener('reconcile_queue'),
  );
  return {
    async emit(records, batch) {
      if (records.length === 0) return { queued: {}, filtered: {} };
      const fanned = fanOutRecords(
        records,
        { deliveryId: batch.batchId, transportId: batch.transportId, receivedAt: batch.receivedAt },
        targets,
      );
      const queued = await store.add(batch.batchId, fanned.jobs);
      return { queued, filtered: fanned.filtered };
    },
    async close() {
      await store.close(2000);
    },
  };
}
