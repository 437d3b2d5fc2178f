// Large signed bodies: checked as an object by their outer characters, parsed once where they are normalised.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { IngestJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE } from '../../src/queue/names.js';
import { PARSE_MAX_BYTES } from '../../src/receiver/json-object.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { useForwarder, waitFor } from '../helpers/forwarder.js';
import { postWebhook } from '../helpers/webhook.js';

const fx = useForwarder();
const pad = 'x'.repeat(PARSE_MAX_BYTES);

describe('a signed body larger than PARSE_MAX_BYTES', () => {
  it('that is a top-level array is refused with 400 invalid_json, as a small one', async () => {
    const answer = await postWebhook(fx.forwarder.webhookUrl, `["${pad}"]`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_json');
  });

  it('that is broken inside is accepted, then dead-lettered as payload_invalid with its body kept for replay', async () => {
    const body = `{"project": {"name": "${pad}"}, "newIssues": [}`;
    const answer = await postWebhook(fx.forwarder.webhookUrl, body);
    expect(answer.status).toBe(202);
    const queue = new Queue<IngestJobData>(INGEST_QUEUE, {
      connection: workerConnectionOptions(fx.redis.url),
      prefix: fx.forwarder.prefix,
    });
    try {
      const job = await waitFor(
        async () => {
          const found = await queue.getJob(String(answer.body.deliveryId));
          return found?.data.deadLetter ? found : undefined;
        },
        30_000,
        'the delivery in the ingest dead-letter queue',
      );
      expect(job.data.deadLetter).toMatchObject({ code: 'payload_invalid' });
      expect(job.data.body).toBe(body);
      expect(fx.forwarder.records()).toHaveLength(0);
    } finally {
      await queue.close();
    }
  });
});
