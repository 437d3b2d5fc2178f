// A delivery posted twice is logged once as accepted and once as a duplicate, never as a second acceptance.
import { describe, expect, it } from 'vitest';
import { useForwarder } from '../helpers/forwarder.js';
import { freshSnapshot, postWebhook } from '../helpers/webhook.js';

const fx = useForwarder();

const lines = (): Array<Record<string, unknown>> => fx.forwarder.logLines();

describe('the log of a duplicate delivery', () => {
  it('says "Delivery accepted." for the first post and "Duplicate delivery; already stored." for the second', async () => {
    const body = freshSnapshot('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');
    const first = await postWebhook(fx.forwarder.webhookUrl, body, { transportId: 'dup-log-first' });
    // Snyk may redeliver under a new transport id: the signed body is what makes it the same delivery.
    const second = await postWebhook(fx.forwarder.webhookUrl, body, { transportId: 'dup-log-second' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.deliveryId).toBe(first.body.deliveryId);

    const deliveryId = first.body.deliveryId;
    const about = lines().filter((line) => line.deliveryId === deliveryId);
    const accepted = about.filter((line) => line.message === 'Delivery accepted.');
    const duplicates = about.filter((line) => line.message === 'Duplicate delivery; already stored.');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ level: 'info', transportId: 'dup-log-first' });
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toMatchObject({
      level: 'info',
      transportId: 'dup-log-second',
      event: 'project_snapshot/v0',
      bytes: Buffer.byteLength(body),
    });
    // The received counter agrees with the log.
    const received = (outcome: string) =>
      fx.forwarder.daemon.counters.get('webhooks_received_total', { event: 'project_snapshot/v0', outcome });
    expect(await received('accepted')).toBe(1);
    expect(await received('duplicate')).toBe(1);
  });
});
