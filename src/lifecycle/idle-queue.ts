// Tells whether a queue has jobs to run that nothing takes: the symptom of a worker that stopped fetching.
import type { Worker } from 'bullmq';

/**
 * Jobs wait, none is active in any process, and the queue is neither paused nor rate-limited (the keys BullMQ's
 * moveToActive reads: `wait`, `active`, the `meta` hash's `paused`, the `limiter` key). A fetching worker takes a
 * waiting job within its drain delay (5 s by default); one that sees this state for longer has stopped fetching, as
 * BullMQ workers can after a Redis failover while every connection reports ready (bullmq #3088, #4378).
 */
export async function waitingJobsNobodyTakes(worker: Pick<Worker, 'backend' | 'toKey'>): Promise<boolean> {
  const client = await worker.backend.client;
  const [waiting, active, paused, limitedForMs] = await Promise.all([
    client.llen(worker.toKey('wait')),
    client.llen(worker.toKey('active')),
    client.hget(worker.toKey('meta'), 'paused'),
    client.runCommand('pttl', [worker.toKey('limiter')]) as Promise<number>,
  ]);
  return waiting > 0 && active === 0 && paused === null && limitedForMs <= 0;
}
