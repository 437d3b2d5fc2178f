// Queue names: one ingest queue, and one target queue per target so each target retries and fails alone.

export const INGEST_QUEUE = 'ingest';

export function targetQueueName(targetName: string): string {
  return `target-${targetName}`;
}

/** The reconciliation schedule's own queue: one job per period, whichever worker process takes it (src/reconcile/). */
export const RECONCILE_QUEUE = 'reconcile';
