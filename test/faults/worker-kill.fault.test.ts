// Fault: the worker process is killed with -9 mid-stream, then twice in a row while it holds the same jobs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { readCollector } from './harness/accounting.js';
import { startFaultCollector } from './harness/collector.js';
import { embeddedRedisUrl, FAULT_SECRET, jobStats, useFaultRig, type ForwarderSpec } from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, startSteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-worker-');

/** Project ids of the requests the collector is holding: the target jobs active in the worker right now. */
function heldProjects(collector: Awaited<ReturnType<typeof startFaultCollector>>): Set<string> {
  return new Set(
    collector.held().flatMap(({ lines }) => lines.map((line) => String(line.record?.project_id))),
  );
}

describe('worker process killed', () => {
  it('kill -9 mid-stream, then twice on the same active jobs: every accepted record arrives', async () => {
    const collector = await startFaultCollector();
    rig.onCleanup(() => collector.close());
    const dir = rig.dir();
    const configFile = rig.config(dir, {
      // Small lock and check intervals keep each recovery to a few seconds.
      workers: { lockDurationMs: 2000, stalledIntervalMs: 1000, shutdownGraceMs: 1000 },
      retry: { baseDelayMs: 200, maxDelayMs: 2000 },
      // A held request must outlive the hold; enough concurrency that recovered jobs get a slot while others hang.
      targets: [
        {
          name: 'siem',
          type: 'http',
          format: 'json',
          url: collector.url,
          timeoutMs: 120_000,
          concurrency: 16,
        },
      ],
    });
    const spec: ForwarderSpec = {
      role: 'receiver',
      dataDir: join(dir, 'data'),
      configFile,
      port: await freePort(),
    };
    // The receiver owns the embedded redis-server; every worker attaches to it.
    await rig.start(spec);
    const worker = { ...spec, role: 'worker' as const };
    let current = await rig.start(worker);
    // Each send takes a while, so jobs are in flight whenever the worker dies.
    collector.delayMs = 400;

    const sender = startSteadySender({
      url: () => `http://127.0.0.1:${spec.port}/webhooks/snyk`,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('worker-kill', 60, 3),
      ratePerSecond: 6,
    });

    await afterDeliveries(sender, 15);
    await rig.signal(current, 'SIGKILL');
    current = await rig.start(worker);

    // Twice in a row on the same jobs: the collector holds what the worker sends, so its jobs stay active.
    await afterDeliveries(sender, 35);
    collector.reply = 'hold';
    await waitFor(() => collector.held().length >= 2, 60_000, 'the worker to hold active jobs');
    const firstHeld = heldProjects(collector);
    await rig.signal(current, 'SIGKILL');
    current = await rig.start(worker);
    // The recovered jobs are active again in the next worker, and held again.
    await waitFor(
      () => [...heldProjects(collector)].some((project) => firstHeld.has(project)),
      60_000,
      'a job of the killed worker to be active in the next one',
    );
    await rig.signal(current, 'SIGKILL');
    collector.reply = { status: 200 };
    collector.delayMs = 0;
    current = await rig.start(worker);
    const faultEndedAt = Date.now();

    let jobs = { stalledTwice: 0, failed: 0 };
    const result = await settle({
      scenario: 'worker-kill',
      sender,
      read: () => readCollector(collector),
      faultEndedAt,
      stop: async () => {
        jobs = await jobStats(embeddedRedisUrl(spec.dataDir), 'snyk-siem', 'target-siem');
        await rig.signal(current, 'SIGTERM');
      },
      notes: () => [
        `3 worker kills; ${jobs.stalledTwice} target jobs taken back from a dead worker twice; ${jobs.failed} dead letters`,
      ],
      problems: () => [
        ...(jobs.stalledTwice === 0 ? ['no job stalled twice: the fault did not happen as planned'] : []),
        ...(jobs.failed > 0 ? [`${jobs.failed} target jobs dead-lettered`] : []),
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(60);
  });
});
