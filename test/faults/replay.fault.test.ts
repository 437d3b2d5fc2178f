// Fault: signed bodies captured and posted again under new transport ids must make no new records.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/forwarder.js';
import { account, readFileTarget } from './harness/accounting.js';
import {
  defaultOutput,
  embeddedRedisUrl,
  FAULT_SECRET,
  pendingJobs,
  useFaultRig,
  type ForwarderSpec,
} from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { startSteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-replay-');

describe('replayed deliveries', () => {
  it('the same signed bodies under new transport ids: no new records', async () => {
    const dir = rig.dir();
    const spec: ForwarderSpec = {
      role: 'all',
      dataDir: join(dir, 'data'),
      port: await freePort(),
      configFile: rig.config(dir, {}),
    };
    const forwarder = await rig.start(spec);
    const url = () => `http://127.0.0.1:${spec.port}/webhooks/snyk`;
    const output = defaultOutput(spec.dataDir);
    const snapshots = buildSnapshots('replay', 20, 3);

    const original = startSteadySender({ url, secret: FAULT_SECRET, snapshots, ratePerSecond: 10 });
    const sent = await original.done;
    await waitFor(() => account(sent, readFileTarget(output)).lost === 0, 60_000, 'the original records');
    const before = readFileTarget(output).records.length;

    // Anyone who captured a delivery can post its signed bytes again; the transport id is theirs to choose.
    const replay = startSteadySender({ url, secret: FAULT_SECRET, snapshots, ratePerSecond: 10 });
    const replayed = await replay.done;
    const faultEndedAt = Date.now();
    // Whatever the receiver made of the replays has gone through every queue before the count.
    const redisUrl = embeddedRedisUrl(spec.dataDir);
    await waitFor(
      async () => (await pendingJobs(redisUrl, 'snyk-siem', ['ingest', 'target-default-file'])) === 0,
      60_000,
      'the queues to be idle',
    );

    const originalIds = new Set(sent.outcomes.flatMap((o) => o.attempts.map((a) => a.deliveryId)));
    const replayAnswers = replayed.outcomes.flatMap((o) => o.attempts.slice(-1));
    const recognised = replayAnswers.filter((a) => a.deliveryId && originalIds.has(a.deliveryId)).length;
    const result = await settle({
      scenario: 'replay-new-ids',
      sender: original,
      read: () => readFileTarget(output),
      faultEndedAt,
      stop: async () => {
        await rig.signal(forwarder, 'SIGTERM');
      },
      notes: (a) => [
        `${replayAnswers.length} replays answered ${[...new Set(replayAnswers.map((r) => r.status))].join('/')}, ` +
          `${recognised} with the original delivery id; ${readFileTarget(output).records.length - before} records ` +
          `written for them, ${a.extraRecords} of them new`,
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(20);
  });
});
