// Webhooks at a steady rate while a Redis master dies, and the count once they drained: shared by the HA tests.
import { drainStart, readFileTarget, waitForDrain } from '../faults/harness/accounting.js';
import { afterAccepted, startSteadySender, type SteadySender } from '../faults/harness/sender.js';
import { buildSnapshots, type Snapshot } from '../faults/harness/snapshots.js';
import { TEST_SECRET, type TestForwarder } from './forwarder.js';

export interface FailoverLoad {
  snapshots: Snapshot[];
  sender: SteadySender;
}

/** 40 snapshots of 2 issues at 8 a second, retried 300 ms after a refusal; resolves once 5 are accepted. */
export async function startFailoverLoad(forwarder: TestForwarder, name: string): Promise<FailoverLoad> {
  const snapshots = buildSnapshots(name, 40, 2);
  const sender = startSteadySender({
    url: () => forwarder.webhookUrl,
    secret: TEST_SECRET,
    snapshots,
    ratePerSecond: 8,
    retryDelayMs: 300,
  });
  await afterAccepted(sender, 5);
  return { snapshots, sender };
}

/** Waits for the sender, then for the file target to hold every accepted record (90 s at most), and counts. */
export async function countAfterFailover(forwarder: TestForwarder, load: FailoverLoad, killedAt: number) {
  const report = await load.sender.done;
  const counted = await waitForDrain(report, () => readFileTarget(forwarder.outFile), {
    from: drainStart(report, killedAt),
    timeoutMs: 90_000,
  });
  return { report, ...counted };
}

/** The forwarder's last warn and error lines, one JSON document a line: what it said about its connections. */
export function warningsTail(forwarder: TestForwarder, count: number): string {
  return forwarder
    .logLines()
    .filter((line) => line.level === 'warn' || line.level === 'error')
    .slice(-count)
    .map((line) => JSON.stringify(line))
    .join('\n');
}
