// The forwarder on a real Redis Sentinel set: the master is killed during delivery, and everything resumes by itself.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAfterFailover, startFailoverLoad, warningsTail } from '../helpers/failover-load.js';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { SENTINEL_MASTER, startTestSentinel, type TestSentinel } from '../helpers/redis-sentinel.js';

let sentinel: TestSentinel;
let forwarder: TestForwarder;

beforeAll(async () => {
  sentinel = await startTestSentinel();
  forwarder = await startForwarder({
    redisUrl: '',
    config: {
      redis: { url: undefined, sentinels: sentinel.sentinels, name: SENTINEL_MASTER },
      workers: { lockDurationMs: 5000, stalledIntervalMs: 2000 },
    },
  });
}, 90_000);

afterAll(async () => {
  await forwarder?.stop();
  await sentinel?.cleanup();
});

async function readyz(): Promise<number> {
  const response = await fetch(`${forwarder.daemon.adminUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
  return response.status;
}

describe('Redis Sentinel', () => {
  it('a failover during delivery: 503 during the switch, workers resume by themselves, nothing accepted is lost', async () => {
    expect(await readyz()).toBe(200);
    const load = await startFailoverLoad(forwarder, `sen-${randomUUID().slice(0, 6)}`);
    // Replication is asynchronous (docs/scaling.md): the replica catches up first, so that the test is about the
    // forwarder, not about writes Redis itself may lose in a failover.
    await sentinel.syncReplica();
    await sentinel.kill(sentinel.master);
    const killedAt = Date.now();
    // The process notices: not ready while the master is gone.
    await waitFor(async () => (await readyz()) === 503, 20_000, '/readyz to answer 503');
    await waitFor(
      async () => (await sentinel.currentMasterPort()) === sentinel.replica.port,
      30_000,
      'the sentinels to promote the replica',
    );
    const { accounting, drainMs } = await countAfterFailover(forwarder, load, killedAt);
    console.log(
      'sentinel failover:',
      JSON.stringify({ ...accounting, drainMs, switchMs: Date.now() - killedAt }),
    );
    expect(accounting.answers.other).toBe(0);
    expect(accounting.answers['503']).toBeGreaterThan(0);
    expect(accounting.accepted).toBe(load.snapshots.length);
    // What the forwarder said about its connections explains a loss, should one ever happen.
    if (accounting.lost > 0) console.log(warningsTail(forwarder, 40));
    expect(accounting.lost).toBe(0);
    expect(accounting.torn).toBe(0);
    // Every connection of the process, the workers' blocking ones included, is on the new master again.
    await waitFor(async () => (await readyz()) === 200, 30_000, '/readyz to answer 200 again');
  }, 180_000);
});
