// Queue names: one ingest queue, and one target queue per target so each target retries and fails alone.

export const INGEST_QUEUE = 'ingest';

export function targetQueueName(targetName: string): string {
  return `target-${targetName}`;
}
