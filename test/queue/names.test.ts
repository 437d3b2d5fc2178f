// Queue prefixes: each queue's keys share one Redis Cluster slot, and the queues of one forwarder spread over slots.
import { describe, expect, it } from 'vitest';
import { INGEST_QUEUE, queuePrefix, RECONCILE_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { hashTagOf } from '../../src/redis/endpoint.js';

describe('queuePrefix', () => {
  it('leaves a prefix without a hash tag as it is, so single-server keys keep their names', () => {
    expect(queuePrefix('snyk-siem', INGEST_QUEUE)).toBe('snyk-siem');
    expect(queuePrefix('a{}b', INGEST_QUEUE)).toBe('a{}b');
  });

  it('puts the queue name inside the hash tag', () => {
    expect(queuePrefix('{snyk-siem}', INGEST_QUEUE)).toBe('{snyk-siem:ingest}');
    expect(queuePrefix('eu-{snyk}-a', targetQueueName('siem'))).toBe('eu-{snyk:target-siem}-a');
  });

  it('gives every key of a queue the same tag, and each queue of one forwarder a tag of its own', () => {
    const queues = [INGEST_QUEUE, RECONCILE_QUEUE, targetQueueName('siem'), targetQueueName('splunk')];
    const tags = queues.map((queue) => {
      const base = `${queuePrefix('{snyk-siem}', queue)}:${queue}`;
      const keyTags = ['wait', 'active', 'meta', 'de:d-1', 'd-1-siem'].map((suffix) =>
        hashTagOf(`${base}:${suffix}`),
      );
      expect(new Set(keyTags).size).toBe(1);
      return keyTags[0];
    });
    expect(new Set(tags).size).toBe(queues.length);
    // The forwarder's own keys keep the plain tag, away from every queue.
    expect(tags).not.toContain(hashTagOf('{snyk-siem}:snyk:last-ping'));
  });
});
