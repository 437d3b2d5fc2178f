// A Redis outage is one "Redis connection lost." and one "Redis connection regained." line, however many connections.
import { describe, expect, it } from 'vitest';
import { startForwarder, useForwarder, waitFor } from '../helpers/forwarder.js';
import { freshSnapshot, postWebhook } from '../helpers/webhook.js';

const fx = useForwarder();

const lines = (): Array<Record<string, unknown>> => fx.forwarder.logLines();

const withMessage = (message: string) => lines().filter((line) => line.message === message);

/** Far above the usual second: BullMQ's workers wait up to 20 s between reconnections, and the machine may be busy. */
const BOUND_MS = 60_000;

async function ready(): Promise<boolean> {
  const response = await fetch(`${fx.forwarder.daemon.adminUrl}/readyz`).catch(() => undefined);
  return response?.status === 200;
}

describe('Redis outage in the log', () => {
  it(
    'logs one lost line with the address and the first error, and one regained line with the time down, per outage',
    async () => {
      // A delivery first, so that the fan-out threads hold connections of their own too.
      const transportId = 'outage-log-before';
      const sent = await postWebhook(
        fx.forwarder.webhookUrl,
        freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
        { transportId },
      );
      expect(sent.status).toBe(202);
      await waitFor(
        () => fx.forwarder.records().some((record) => record.transport_id === transportId),
        BOUND_MS,
        'the first delivery',
      );
      expect(withMessage('Redis connection lost.')).toEqual([]);

      await fx.redis.stop();
      const stoppedAt = Date.now();
      const [lost] = await waitFor(
        () => {
          const found = withMessage('Redis connection lost.');
          return found.length > 0 && found;
        },
        BOUND_MS,
        'the lost line',
      );
      expect(lost).toMatchObject({
        level: 'warn',
        redis: `127.0.0.1:${fx.redis.port}`,
        error: expect.any(String),
      });
      // Every connection errs meanwhile, again and again, while the line stays one.
      await waitFor(
        () => lines().filter((line) => line.message === 'Client error event.').length >= 3,
        BOUND_MS,
        'client errors of several connections',
      );

      await fx.redis.start();
      const [regained] = await waitFor(
        () => {
          const found = withMessage('Redis connection regained.');
          return found.length > 0 && found;
        },
        BOUND_MS,
        'the regained line',
      );
      expect(regained).toMatchObject({ level: 'info', redis: `127.0.0.1:${fx.redis.port}` });
      expect(regained?.downMs).toBeGreaterThan(0);
      expect(regained?.downMs).toBeLessThanOrEqual(Date.now() - stoppedAt + 1000);

      // Once every connection is back (workers reconnect last), nothing more was said about the outage.
      await waitFor(ready, BOUND_MS, '/readyz to answer 200');
      const after = 'outage-log-after';
      expect(
        (
          await postWebhook(
            fx.forwarder.webhookUrl,
            freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json'),
            { transportId: after },
          )
        ).status,
      ).toBe(202);
      await waitFor(
        () => fx.forwarder.records().some((record) => record.transport_id === after),
        BOUND_MS,
        'a delivery after the outage',
      );
      expect(withMessage('Redis connection lost.')).toHaveLength(1);
      expect(withMessage('Redis connection regained.')).toHaveLength(1);

      // A second outage is a second pair of lines.
      await fx.redis.stop();
      await waitFor(
        () => withMessage('Redis connection lost.').length === 2,
        BOUND_MS,
        'the second lost line',
      );
      await fx.redis.start();
      await waitFor(
        () => withMessage('Redis connection regained.').length === 2,
        BOUND_MS,
        'the second regained line',
      );
      await waitFor(ready, BOUND_MS, '/readyz to answer 200 again');
      expect(withMessage('Redis connection lost.')).toHaveLength(2);
      expect(withMessage('Redis connection regained.')).toHaveLength(2);
      console.log(
        `lost: ${JSON.stringify(lost)}; regained after ${String(regained?.downMs)} ms; ` +
          `${lines().filter((line) => line.message === 'Client error event.').length} client error lines`,
      );
    },
    4 * BOUND_MS,
  );

  it('says nothing of an outage when the forwarder stops and closes its connections', async () => {
    const other = await startForwarder({ redisUrl: fx.redis.url });
    await waitFor(ready, BOUND_MS, '/readyz of the main forwarder');
    await other.stop();
    const said = other.logs();
    expect(said).toContain('Workers started.');
    expect(said).not.toContain('Redis connection lost.');
  });
});
