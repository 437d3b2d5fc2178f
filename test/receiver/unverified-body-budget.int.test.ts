// Unsigned large bodies held open cannot exhaust memory: past receiver.unverifiedBodyBudgetBytes they get 503.
import { describe, expect, it } from 'vitest';
import { useForwarder, waitFor } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { collectGarbage, MIB, rssMiB, sampleRss } from './memory.js';
import { chunk, jsonBodyOf, openRaw, postHead, sleep, type RawConnection } from './raw-client.js';

// The receiver limits as shipped: the defect was seen with the defaults.
const fx = useForwarder();

/** receiver.unverifiedBodyBudgetBytes as documented (docs/configuration.md): at most this many bytes are admitted. */
const DEFAULT_BUDGET_BYTES = 64 * MIB;
const BODY_BYTES = 4 * MIB;
const ATTACKERS = 100;
/** However the budget is split, no more than budget / body size such bodies can be in flight at once. */
const MOST_ADMITTED = DEFAULT_BUDGET_BYTES / BODY_BYTES;
/** An answer within this is "quick": far below receiver.requestTimeoutMs (30 s), which ends the held-open ones. */
const QUICK_MS = 15_000;

const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');

/** Every attacker writes all of its body but the last byte, so the receiver must buffer or refuse it. */
const almostAll = Buffer.alloc(BODY_BYTES - 1, 0x20);

async function holdOpenUnsigned(url: string, path: string, count: number): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  for (let i = 0; i < count; i += 1) {
    const connection = await openRaw(url);
    connections.push(connection);
    void connection.write(
      postHead(path, {
        'Content-Type': 'application/json',
        'Content-Length': String(BODY_BYTES),
        'X-Snyk-Event': 'project_snapshot/v0',
      }),
    );
    // One shared buffer for every connection: the test's own memory does not grow with the attack.
    void connection.write(almostAll);
  }
  return connections;
}

const answered = (connections: RawConnection[], status: number) =>
  connections.filter(
    (c) => c.answeredAfterMs() !== undefined && c.received().startsWith(`HTTP/1.1 ${status}`),
  );

describe('unverified bodies in flight are bounded by a global budget', { timeout: 120_000 }, () => {
  it('answers 503 quickly to the bodies past the budget, keeps RSS bounded, and still accepts a small signed webhook', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    collectGarbage();
    const before = rssMiB();
    const sampler = sampleRss();
    const connections = await holdOpenUnsigned(forwarder.url, path, ATTACKERS);
    try {
      // Wait for the answers the budget requires; on a receiver without a budget none comes and this times out.
      const shedAtLeast = ATTACKERS - MOST_ADMITTED;
      await waitFor(
        () => answered(connections, 503).length >= shedAtLeast,
        QUICK_MS,
        'the 503 answers',
      ).catch(() => undefined);
      // Let the admitted ones finish arriving before the peak is read.
      await sleep(2000);

      // A small signed delivery still gets through while the large unsigned ones are held open.
      const legit = await postWebhook(forwarder.webhookUrl, snapshot);
      const peak = sampler.stop();

      const shed = answered(connections, 503);
      const other = connections.filter((c) => c.answeredAfterMs() !== undefined && !shed.includes(c));
      console.log(
        `budget: ${shed.length}/${ATTACKERS} shed with 503, ${other.length} other answers; RSS before ${before.toFixed(0)} MiB, ` +
          `peak ${peak.toFixed(0)} MiB (+${(peak - before).toFixed(0)}); slowest 503 after ` +
          `${Math.max(0, ...shed.map((c) => c.answeredAfterMs() ?? 0)).toFixed(0)} ms`,
      );
      expect(shed.length).toBeGreaterThanOrEqual(shedAtLeast);
      for (const connection of shed) {
        expect(connection.answeredAfterMs()).toBeLessThan(QUICK_MS);
        expect(connection.received()).toMatch(/\r\nRetry-After: \d+\r\n/i);
        expect(jsonBodyOf(connection.received())?.error).toBe('receiver_busy');
      }
      expect(legit.status).toBe(202);
      // The budget plus generous room for the process's own churn; without a budget all 400 MiB are buffered.
      expect(peak - before).toBeLessThan(DEFAULT_BUDGET_BYTES / MIB + 120);
      expect(await forwarder.daemon.counters.get('webhooks_shed_total')).toBeGreaterThanOrEqual(shedAtLeast);
    } finally {
      sampler.stop();
      for (const connection of connections) connection.destroy();
    }

    // Once the senders are gone, nothing stays reserved and the memory is given back.
    await waitFor(
      async () => (await forwarder.daemon.counters.get('unverified_body_bytes')) === 0,
      QUICK_MS,
      'the reservations to be released',
    );
    await sleep(500);
    collectGarbage();
    const after = rssMiB();
    console.log(`budget: RSS after ${after.toFixed(0)} MiB (${(after - before).toFixed(0)} over before)`);
    // Without the budget the same attack left about +400 MiB held; what remains here is heap the collector keeps for
    // reuse, which a loaded machine running other suites sizes larger, so the bound sits well between the two.
    expect(after - before).toBeLessThan(160);
    expect(process.memoryUsage().arrayBuffers / MIB).toBeLessThan(32);
  });

  it('reserves chunked bodies as their bytes arrive, and sheds the ones that would pass the budget', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    const piece = chunk(Buffer.alloc(256 * 1024, 0x20));
    const count = 30;
    const connections: RawConnection[] = [];
    try {
      for (let i = 0; i < count; i += 1) {
        const connection = await openRaw(forwarder.url);
        connections.push(connection);
        void connection.write(
          postHead(path, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }),
        );
      }
      // 4 MiB each, a quarter MiB at a time, round-robin, without the last chunk: every body stays unverified.
      for (let round = 0; round < BODY_BYTES / (256 * 1024); round += 1) {
        await Promise.all(connections.map((c) => (c.isClosed() ? true : c.write(piece))));
      }
      const shedAtLeast = count - MOST_ADMITTED;
      await waitFor(
        () => answered(connections, 503).length >= shedAtLeast,
        QUICK_MS,
        'the 503 answers',
      ).catch(() => undefined);
      expect(answered(connections, 503).length).toBeGreaterThanOrEqual(shedAtLeast);
      expect(await forwarder.daemon.counters.get('unverified_body_bytes')).toBeLessThanOrEqual(
        DEFAULT_BUDGET_BYTES,
      );
    } finally {
      for (const connection of connections) connection.destroy();
    }
    await waitFor(
      async () => (await forwarder.daemon.counters.get('unverified_body_bytes')) === 0,
      QUICK_MS,
      'the reservations to be released',
    );
  });
});
