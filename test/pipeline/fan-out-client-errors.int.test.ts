// Fan-out's queues' error events reach the main thread's log and client_errors_total, from a thread (which has no
// counters of its own) as from the deliveries fanned out inline.
import { describe, expect, it } from 'vitest';
import { attachClientErrors } from '../../src/telemetry/client-errors.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createFanOutPool } from '../../src/workers/fan-out-pool.js';
import { capturedLog } from '../helpers/captured-log.js';
import { waitFor } from '../helpers/forwarder.js';
import { ingestJobData } from '../helpers/job-data.js';
import { freshSnapshot } from '../helpers/webhook.js';

// Nothing listens on port 1 of the loopback address: every connection attempt of the thread's queue is refused.
const store = { connection: { host: '127.0.0.1', port: 1 }, prefix: 'unused', jobOptions: {} };
const targets = [{ name: 'out', enabled: true, format: 'json' as const, filter: {} }];

describe('fan-out client errors', () => {
  it.each([
    ['in a thread', 0],
    ['inline', undefined],
  ])(
    'are reported to the main thread, logged and counted as fan_out_queue (%s)',
    async (_, inlineMaxBytes) => {
      const log = capturedLog();
      const counters = new Counters();
      const attached = attachClientErrors(log.logger, counters);
      const pool = createFanOutPool({ size: 1, store, inlineMaxBytes });
      try {
        // The task waits for a Redis that never answers; only its queue's error events matter here.
        void pool.run(ingestJobData(freshSnapshot()), 'd-1', targets).catch(() => undefined);
        await waitFor(
          async () => (await counters.get('client_errors_total', { component: 'fan_out_queue' })) > 0,
          30_000,
          'a client error from the thread',
        );
        expect(log.lines().find((line) => line.component === 'fan_out_queue')).toMatchObject({
          level: 'warn',
          error: expect.stringMatching(/ECONNREFUSED/) as unknown,
        });
      } finally {
        // Closed first: the thread's errors reach this log until it is gone.
        await pool.close(2_000);
        attached.detach();
      }
    },
    60_000,
  );
});
