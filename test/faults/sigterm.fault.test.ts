// Fault: SIGTERM to the receiver and the worker at once while webhooks arrive and records are in flight; then a restart.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { readCollector } from './harness/accounting.js';
import { startFaultCollector } from './harness/collector.js';
import { FAULT_SECRET, useFaultRig, type ForwarderSpec } from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, startSteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-sigterm-');

describe('SIGTERM under load', () => {
  it('receiver and worker stopped together mid-stream, started again: every accepted record arrives', async () => {
    const collector = await startFaultCollector();
    rig.onCleanup(() => collector.close());
    const dir = rig.dir();
    const receiver: ForwarderSpec = {
      role: 'receiver',
      dataDir: join(dir, 'data'),
      port: await freePort(),
      configFile: rig.config(dir, {
        workers: { lockDurationMs: 2000, stalledIntervalMs: 1000, shutdownGraceMs: 2000 },
        retry: { baseDelayMs: 200, maxDelayMs: 2000 },
        targets: [{ name: 'siem', type: 'http', format: 'json', url: collector.url }],
      }),
    };
    const worker: ForwarderSpec = { ...receiver, role: 'worker' };
    const first = [await rig.start(receiver), await rig.start(worker)];
    // Sends take a while, so the stop finds jobs in flight.
    collector.delayMs = 300;
    const sender = startSteadySender({
      url: () => `http://127.0.0.1:${receiver.port}/webhooks/snyk`,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('sigterm', 60, 3),
      ratePerSecond: 6,
    });

    await afterDeliveries(sender, 20);
    const codes = await Promise.all(first.map((proc) => rig.signal(proc, 'SIGTERM')));
    const clean = first.filter((proc) => proc.output().includes('Stopped cleanly.')).length;
    const second = [await rig.start(receiver), await rig.start(worker)];
    const faultEndedAt = Date.now();

    const result = await settle({
      scenario: 'sigterm-all',
      sender,
      read: () => readCollector(collector),
      faultEndedAt,
      stop: async () => {
        await Promise.all(second.map((proc) => rig.signal(proc, 'SIGTERM')));
      },
      notes: () => [`exit codes ${codes.join(', ')}; ${clean} of 2 logged "Stopped cleanly."`],
      problems: () => (codes.every((code) => code === 0) ? [] : [`exit codes ${codes.join(', ')}`]),
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(60);
  });
});
