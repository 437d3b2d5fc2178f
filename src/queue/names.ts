// Queue names: one ingest queue, and one target queue per target so each target retries and fails alone.
import { hashTagOf } from '../redis/endpoint.js';

export const INGEST_QUEUE = 'ingest';

export function targetQueueName(targetName: string): string {
  return `target-${targetName}`;
}

/** The reconciliation schedule's own queue: one job per period, whichever worker process takes it (src/reconcile/). */
export const RECONCILE_QUEUE = 'reconcile';

/**
 * The BullMQ prefix of one queue. Without a hash tag in `redis.prefix` it is the prefix itself (`snyk-siem` gives
 * `snyk-siem:ingest:wait`). With one, the queue's name joins the tag (`{snyk-siem}` gives
 * `{snyk-siem:ingest}:ingest:wait`): Redis Cluster hashes only the text in the first braces
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags), so each queue's keys share
 * one slot, as BullMQ's multi-key scripts need (https://docs.bullmq.io/patterns/redis-cluster), while the queues of
 * one forwarder land on different slots and spread over the shards. The forwarder's own keys (`<prefix>:snyk:…`,
 * `<prefix>:reconcile:…`) keep the plain tag: scripts that touch several of them at once need one slot.
 */
export function queuePrefix(prefix: string, queue: string): string {
  const tag = hashTagOf(prefix);
  return tag === undefined ? prefix : prefix.replace(`{${tag}}`, `{${tag}:${queue}}`);
}
