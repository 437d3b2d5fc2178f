// Every 4xx answer of the receiver is counted in webhooks_rejected_total, by its code; accepted deliveries and 503s are not.
import { describe, expect, it } from 'vitest';
import { useForwarder } from '../helpers/forwarder.js';
import { freshSnapshot, postWebhook } from '../helpers/webhook.js';

const fx = useForwarder();

const rejected = (code: string) => fx.forwarder.daemon.counters.get('webhooks_rejected_total', { code });

describe('webhooks_rejected_total', () => {
  it('counts each rejection under its code', async () => {
    const { webhookUrl, url } = fx.forwarder;
    expect((await postWebhook(webhookUrl, freshSnapshot(), { signature: null })).status).toBe(401);
    expect((await postWebhook(webhookUrl, freshSnapshot(), { secret: 'another-secret' })).status).toBe(401);
    expect((await postWebhook(webhookUrl, freshSnapshot(), { secret: 'another-secret' })).status).toBe(401);
    expect((await postWebhook(webhookUrl, freshSnapshot(), { event: null })).status).toBe(400);
    expect((await postWebhook(webhookUrl, '[1, 2]')).status).toBe(400);
    expect((await fetch(`${url}/no-such-route`)).status).toBe(404);
    expect((await fetch(webhookUrl)).status).toBe(405);
    expect((await postWebhook(webhookUrl, freshSnapshot())).status).toBe(202);

    expect(await rejected('missing_signature')).toBe(1);
    expect(await rejected('invalid_signature')).toBe(2);
    expect(await rejected('missing_event')).toBe(1);
    expect(await rejected('invalid_json')).toBe(1);
    expect(await rejected('not_found')).toBe(1);
    expect(await rejected('method_not_allowed')).toBe(1);
    expect(await fx.forwarder.daemon.counters.get('webhooks_received_total', { outcome: 'accepted' })).toBe(
      1,
    );
  });
});
