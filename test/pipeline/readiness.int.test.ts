// /readyz is a real round trip: a hung Redis (SIGSTOP) makes the forwarder not ready, and ready again once it answers.
import { describe, expect, it } from 'vitest';
import { useForwarder, waitFor } from '../helpers/forwarder.js';

const fx = useForwarder();

async function readyz(
  url: string,
): Promise<{ status: number; body: { checks: Array<{ name: string; ok: boolean }> } }> {
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: response.status,
    body: (await response.json()) as { checks: Array<{ name: string; ok: boolean }> },
  };
}

describe('readiness', () => {
  it('checks the receiver connection and every worker connection, each by name', async () => {
    const { status, body } = await readyz(fx.forwarder.url);
    expect(status).toBe(200);
    const names = body.checks.map((check) => check.name);
    expect(names).toContain('receiver redis');
    expect(names).toContain('worker ingest');
    expect(names).toContain('worker target-out');
    expect(body.checks.every((check) => check.ok)).toBe(true);
  });

  it('says not ready while Redis is hung, and ready again once it answers; /healthz stays up', async () => {
    fx.redis.pause();
    try {
      const hung = await waitFor(
        async () => {
          const answer = await readyz(fx.forwarder.url);
          return answer.status === 503 ? answer : undefined;
        },
        20_000,
        'readiness to fail while Redis is hung',
      );
      expect(hung.body.checks.find((check) => check.name === 'receiver redis')?.ok).toBe(false);
      expect(hung.body.checks.find((check) => check.name === 'worker target-out')?.ok).toBe(false);
      // Liveness is about this process, not about Redis: a restart would not help.
      expect((await fetch(`${fx.forwarder.url}/healthz`)).status).toBe(200);
    } finally {
      fx.redis.resume();
    }
    await waitFor(async () => (await readyz(fx.forwarder.url)).status === 200, 20_000, 'readiness to return');
  }, 60_000);
});
