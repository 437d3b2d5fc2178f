// A worker-only process has no receiver: its admin listener gives it probes and metrics, and /readyz follows Redis.
import { describe, expect, it } from 'vitest';
import { useForwarder, waitFor } from '../helpers/forwarder.js';
import { scrapeMetrics } from '../helpers/metrics.js';

const fx = useForwarder({ role: 'worker' });

interface Ready {
  status: string;
  checks: Array<{ name: string; ok: boolean }>;
}

async function readyz(): Promise<{ status: number; body: Ready }> {
  const response = await fetch(`${fx.forwarder.daemon.adminUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as Ready };
}

describe("a worker-only process's admin listener", () => {
  it('is ready with a check per worker, exports no receiver series, and is not ready while Redis is gone', async () => {
    const { daemon } = fx.forwarder;
    expect(daemon.receiverUrl).toBeUndefined();

    const ready = await waitFor(async () => {
      const answer = await readyz();
      return answer.status === 200 ? answer : undefined;
    });
    // The ingest worker and the one target's, each probed on its own connections.
    expect(ready.body.checks.map((check) => check.name).sort()).toEqual([
      'worker ingest',
      'worker target-out',
    ]);

    const scrape = await scrapeMetrics(daemon.adminUrl);
    expect(scrape.sum('target_up', { target: 'out' })).toBe(1);
    expect(scrape.sum('queue_jobs', { queue: 'out', state: 'waiting' })).toBe(0);
    expect(scrape.sum('webhooks_received_total')).toBeUndefined();

    await fx.redis.stop();
    try {
      const down = await waitFor(async () => {
        const answer = await readyz();
        return answer.status === 503 ? answer : undefined;
      }, 20_000);
      expect(down.body.status).toBe('unavailable');
      expect(down.body.checks.some((check) => !check.ok)).toBe(true);
      // Liveness is not readiness: the process itself is fine and must not be restarted for a Redis outage.
      expect((await fetch(`${daemon.adminUrl}/healthz`)).status).toBe(200);
      // The queue gauges are left out rather than reported as empty.
      const blind = await waitFor(async () => {
        const current = await scrapeMetrics(daemon.adminUrl);
        return current.sum('redis_up') === 0 ? current : undefined;
      }, 20_000);
      expect(blind.sum('queue_jobs')).toBeUndefined();
    } finally {
      await fx.redis.start();
    }
    await waitFor(async () => (await readyz()).status === 200, 30_000, '/readyz to answer 200 again');
  });
});
