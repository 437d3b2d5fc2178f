// Faults of an HTTP target: refusing connections for a while, answering 503 then 429 with Retry-After, answering too slowly.
import { describe, expect, it } from 'vitest';
import { readCollector } from './harness/accounting.js';
import { startFaultCollector, type FaultCollector } from './harness/collector.js';
import { FAULT_SECRET, useFaultRig, type ForwarderProcess } from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, startSteadySender, type SteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-target-');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Setup {
  collector: FaultCollector;
  forwarder: ForwarderProcess;
  sender: SteadySender;
}

/** A forwarder (--role all, embedded Redis) sending to a local collector, and a steady stream of webhooks. */
async function streamTo(
  run: string,
  options: { count: number; rate: number; timeoutMs?: number },
): Promise<Setup> {
  const collector = await startFaultCollector();
  rig.onCleanup(() => collector.close());
  const forwarder = await rig.startWithTargets([
    {
      name: 'siem',
      type: 'http',
      format: 'json',
      url: collector.url,
      timeoutMs: options.timeoutMs ?? 10_000,
    },
  ]);
  const port = forwarder.spec.port;
  const sender = startSteadySender({
    url: () => `http://127.0.0.1:${port}/webhooks/snyk`,
    secret: FAULT_SECRET,
    snapshots: buildSnapshots(run, options.count, 3),
    ratePerSecond: options.rate,
  });
  return { collector, forwarder, sender };
}

describe('HTTP target faults', () => {
  it('refusing connections for 20 s, then back on the same port: every accepted record arrives', async () => {
    const { collector, forwarder, sender } = await streamTo('target-down', { count: 40, rate: 4 });
    await afterDeliveries(sender, 8);
    await collector.stop();
    const downAt = Date.now();
    await sleep(20_000);
    await collector.start();
    const faultEndedAt = Date.now();

    const result = await settle({
      scenario: 'target-down',
      sender,
      read: () => readCollector(collector),
      faultEndedAt,
      stop: async () => {
        await rig.signal(forwarder, 'SIGTERM');
      },
      notes: () => [`collector port closed ${((faultEndedAt - downAt) / 1000).toFixed(0)} s (ECONNREFUSED)`],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(40);
  });

  it('503, then 429 with Retry-After: 2, then 200: every accepted record arrives', async () => {
    const { collector, forwarder, sender } = await streamTo('target-503-429', { count: 30, rate: 5 });
    await afterDeliveries(sender, 5);
    collector.reply = { status: 503 };
    await sleep(4000);
    collector.reply = { status: 429, headers: { 'Retry-After': '2' } };
    const throttledAt = Date.now();
    await sleep(4000);
    collector.reply = { status: 200 };
    const faultEndedAt = Date.now();

    const result = await settle({
      scenario: 'target-503-429',
      sender,
      read: () => readCollector(collector),
      faultEndedAt,
      stop: async () => {
        await rig.signal(forwarder, 'SIGTERM');
      },
      notes: () => {
        const count = (status: number) => collector.answered.filter((a) => a.status === status).length;
        const during429 = collector.answered.filter((a) => a.at >= throttledAt && a.at < faultEndedAt).length;
        return [
          `collector answered ${count(503)}×503 (4 s), then ${count(429)}×429 (4 s; ${during429} requests in those 4 s)`,
        ];
      },
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(30);
  });

  it('slower than the target timeout, then fast again: every accepted record arrives, late ones twice', async () => {
    const { collector, forwarder, sender } = await streamTo('target-slow', {
      count: 30,
      rate: 4,
      timeoutMs: 1000,
    });
    await afterDeliveries(sender, 5);
    // The collector stores each batch and answers after 2.5 s: the target gave up at 1 s and sends it again.
    collector.delayMs = 2500;
    await sleep(6000);
    collector.delayMs = 0;
    const faultEndedAt = Date.now();

    const result = await settle({
      scenario: 'target-slow',
      sender,
      read: () => readCollector(collector),
      faultEndedAt,
      stop: async () => {
        await rig.signal(forwarder, 'SIGTERM');
      },
      notes: () => [
        `target timeout 1 s, collector answering after 2.5 s for 6 s: ${collector.answered.filter((a) => a.late).length} batches stored after the target gave up`,
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(30);
  });
});
