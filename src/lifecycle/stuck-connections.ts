// Tells which workers' connections have stayed down while Redis answers: those workers are rebuilt, not waited for.

/**
 * How long a worker's connections may stay down while Redis answers the process before the worker is rebuilt. ioredis
 * reconnects a dropped connection within seconds; one still down after a minute with Redis reachable is stuck (after
 * a failover: bullmq #3088, #3185, #4585), and a new worker gets new connections.
 */
export const STUCK_AFTER_MS = 60_000;

export interface ConnectionObservation {
  /** Redis answered a PING on a connection of the process that is not the worker's. */
  redisAnswers: boolean;
  /** The worker's command connection answered a PING and its blocking connection is connected. */
  workerReady: boolean;
}

/**
 * Remembers, per worker name, since when its connections have been down while Redis answered. `observe` says
 * whether to rebuild the worker now; once it said so, the clock starts again for the new one. A Redis that does not
 * answer stops the clock: no rebuild can help then, and every connection comes back with it.
 */
export function stuckConnectionTracker(stuckAfterMs = STUCK_AFTER_MS, now: () => number = Date.now) {
  const downSince = new Map<string, number>();
  return {
    observe(name: string, seen: ConnectionObservation): boolean {
      if (seen.workerReady || !seen.redisAnswers) {
        downSince.delete(name);
        return false;
      }
      const since = downSince.get(name) ?? now();
      downSince.set(name, since);
      if (now() - since < stuckAfterMs) return false;
      downSince.delete(name);
      return true;
    },
    /** Forgets workers that are gone (a target removed by a reload). */
    keepOnly(names: readonly string[]): void {
      for (const name of downSince.keys()) if (!names.includes(name)) downSince.delete(name);
    },
  };
}
