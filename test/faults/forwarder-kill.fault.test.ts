// Fault: the whole forwarder killed with -9 on its embedded Redis, and a worker killed in the middle of a large append.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, redisPidOf } from '../helpers/daemon-process.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { readFileTarget } from './harness/accounting.js';
import { defaultOutput, FAULT_SECRET, useFaultRig, type ForwarderSpec } from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, mergedStreams, startSteadySender, type SteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-kill-');

/** Small lock and check intervals: a job of a killed process is taken back within seconds of the restart. */
const FAST_RECOVERY = { lockDurationMs: 2000, stalledIntervalMs: 1000, shutdownGraceMs: 1000 };

/**
 * Watches the end of a file and returns as soon as it does not end in a newline (an append is under way), or false
 * after `timeoutMs`. It polls without yielding on purpose: an append of a few MiB takes milliseconds, and a timer
 * tick would miss it.
 */
function waitForTornTail(path: string, timeoutMs: number): boolean {
  const until = Date.now() + timeoutMs;
  const last = Buffer.alloc(1);
  let fd: number | undefined;
  try {
    while (Date.now() < until) {
      try {
        fd ??= openSync(path, 'r');
      } catch {
        continue; // not created yet
      }
      const size = fstatSync(fd).size;
      if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) return true;
    }
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

describe('forwarder killed', () => {
  it('kill -9 of --role all mid-stream, restarted on the same data directory: every accepted record arrives', async () => {
    const dir = rig.dir();
    const spec: ForwarderSpec = {
      role: 'all',
      dataDir: join(dir, 'data'),
      // No targets: the embedded default, a file under the data directory.
      configFile: rig.config(dir, { workers: FAST_RECOVERY }),
      port: await freePort(),
    };
    let forwarder = await rig.start(spec);
    const sender = startSteadySender({
      url: () => `http://127.0.0.1:${spec.port}/webhooks/snyk`,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('forwarder-kill', 50, 3),
      ratePerSecond: 8,
    });

    await afterDeliveries(sender, 20);
    const orphan = redisPidOf(spec.dataDir);
    await rig.signal(forwarder, 'SIGKILL');
    // Nothing stopped the embedded redis-server: it runs on without its owner until the restart takes it over.
    const orphanSurvived = isAlive(orphan);
    forwarder = await rig.start(spec);
    const faultEndedAt = Date.now();
    const tookOver = forwarder
      .output()
      .includes('Stopping the embedded redis-server left running by a forwarder that is no longer alive.');
    await waitFor(() => !isAlive(orphan), 20_000, 'the orphaned redis-server to be stopped');

    const final = forwarder;
    const result = await settle({
      scenario: 'forwarder-kill',
      sender,
      read: () => readFileTarget(defaultOutput(spec.dataDir)),
      faultEndedAt,
      stop: async () => {
        await rig.signal(final, 'SIGTERM');
      },
      notes: () => [
        `the orphaned redis-server ${orphanSurvived ? 'kept running' : 'died'} and was ${tookOver ? 'taken over' : 'not taken over'} by the restart`,
      ],
      problems: () => (tookOver ? [] : ['the restart did not take over the orphaned redis-server']),
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(50);
  });

  it('kill -9 of the worker in the middle of a multi-MiB file append: no torn line, nothing lost', async () => {
    const dir = rig.dir();
    const receiver: ForwarderSpec = {
      role: 'receiver',
      dataDir: join(dir, 'data'),
      configFile: rig.config(dir, { workers: FAST_RECOVERY }),
      port: await freePort(),
    };
    const worker: ForwarderSpec = { ...receiver, role: 'worker' };
    const output = defaultOutput(receiver.dataDir);
    await rig.start(receiver);
    const snapshots = buildSnapshots('file-append-kill', 12, 2000);
    const streams: SteadySender[] = [];
    let tornAtKill = 0;
    let kills = 0;
    let faultEndedAt = Date.now();
    // Up to three tries to land a kill inside an append, each with four more deliveries of about 3 MiB of records.
    for (let attempt = 0; attempt < 3 && tornAtKill === 0; attempt += 1) {
      const stream = startSteadySender({
        url: () => `http://127.0.0.1:${receiver.port}/webhooks/snyk`,
        secret: FAULT_SECRET,
        snapshots: snapshots.slice(attempt * 4, attempt * 4 + 4),
        ratePerSecond: 4,
      });
      streams.push(stream);
      // Stored before the worker runs, so that the appends follow one another as fast as the worker can go.
      await stream.done;
      const running = await rig.start(worker);
      const caught = waitForTornTail(output, 20_000);
      await rig.signal(running, 'SIGKILL');
      kills += 1;
      if (caught) tornAtKill += 1;
      faultEndedAt = Date.now();
    }
    const last = await rig.start(worker);

    const sender = mergedStreams(streams);
    const result = await settle({
      scenario: 'file-append-kill',
      sender,
      read: () => readFileTarget(output),
      faultEndedAt,
      drainTimeoutMs: 120_000,
      stop: async () => {
        await rig.signal(last, 'SIGTERM');
      },
      notes: (a) => [
        `${kills} worker kill${kills === 1 ? '' : 's'}, ${tornAtKill} with the file ending in a partial line; ${a.torn} torn lines after recovery`,
      ],
      problems: () => (tornAtKill === 0 ? ['no kill landed inside an append'] : []),
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(kills * 4);
  });
});
