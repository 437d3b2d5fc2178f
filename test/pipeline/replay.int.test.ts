// Replays after the dedup window keep their record ids, and a forged X-Snyk-Timestamp never becomes the record time.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor, useForwarder } from '../helpers/forwarder.js';
import { postWebhook } from '../helpers/webhook.js';
import { freshSnapshot } from '../helpers/webhook.js';

// A one-second window and no kept completed jobs: a replay after the window is queued and processed again.
const fx = useForwarder({ config: { receiver: { dedupWindowSeconds: 1 }, workers: { keepCompleted: 0 } } });

type Row = Record<string, unknown>;
const recordsOf = (transportId: string): Row[] =>
  fx.forwarder.records().filter((r) => r.transport_id === transportId);

/** A body of its own, so that tests do not deduplicate each other. */
const snapshot = (): string => freshSnapshot('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');

async function deliver(body: string, headers: Record<string, string> = {}): Promise<Row[]> {
  const transportId = randomUUID();
  const answer = await postWebhook(fx.forwarder.webhookUrl, body, { transportId, headers });
  expect(answer.status).toBe(202);
  // 3 findings and 1 summary in the fixture.
  return waitFor(
    () => {
      const rows = recordsOf(transportId);
      return rows.length >= 4 ? rows : undefined;
    },
    15_000,
    `the records of ${transportId}`,
  );
}

describe('replays after the dedup window', () => {
  it('produce records with the same ids as the original delivery', async () => {
    const body = snapshot();
    const original = await deliver(body);
    await new Promise((r) => setTimeout(r, 1_500));
    const replay = await deliver(body, { 'X-Snyk-Timestamp': '2026-11-26T09:59:00Z' });
    const ids = (rows: Row[]) => rows.map((r) => r.record_id).sort();
    expect(ids(replay)).toEqual(ids(original));
    expect(new Set(ids(original)).size).toBe(4);
  });
});

describe('X-Snyk-Timestamp outside the window around receipt', () => {
  it.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', 'garbage'])(
    '%s: the record time is the receipt time and the header is kept as text',
    async (header) => {
      const before = Date.now();
      const rows = await deliver(snapshot(), { 'X-Snyk-Timestamp': header });
      const after = Date.now();
      for (const row of rows) {
        expect(row.time).toBe(row.received_at);
        const time = Date.parse(String(row.time));
        expect(time).toBeGreaterThanOrEqual(before - 1_000);
        expect(time).toBeLessThanOrEqual(after);
        expect(row.snyk_timestamp_header).toBe(header);
        expect(row).not.toHaveProperty('snyk_timestamp');
      }
    },
  );
});
