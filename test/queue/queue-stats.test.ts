// cachedQueueStats: one Redis read at a time, reused for its maximum age, read again after a failure.
import { describe, expect, it } from 'vitest';
import { cachedQueueStats, type ForwarderStats } from '../../src/queue/queue-stats.js';

function stats(readAt: number): ForwarderStats {
  return { queues: [], lastPingAt: 0, lastDeliveryAt: 0, readAt };
}

describe('cachedQueueStats', () => {
  it('shares one read between callers and reuses it for maxAgeMs', async () => {
    let reads = 0;
    let release: (() => void) | undefined;
    const cached = cachedQueueStats(async () => {
      reads += 1;
      await new Promise<void>((resolve) => (release = resolve));
      return stats(Date.now());
    }, 60_000);
    const first = cached();
    const second = cached();
    release?.();
    expect(await first).toBe(await second);
    expect(await cached()).toBe(await first);
    expect(reads).toBe(1);
  });

  it('reads again once the last read is older than maxAgeMs, or failed', async () => {
    let reads = 0;
    let fail = true;
    const cached = cachedQueueStats(async () => {
      reads += 1;
      if (fail) throw new Error('Redis is down');
      // Read long ago: the next call reads again.
      return stats(0);
    }, 1000);
    await expect(cached()).rejects.toThrow('Redis is down');
    fail = false;
    await cached();
    await cached();
    expect(reads).toBe(3);
  });
});
