// The fan-out pool: a payload error is final in a thread and inline, a thread that runs out of heap fails its task
// and is replaced, and only bodies above the inline limit go to a thread.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestJobData } from '../../src/queue/jobs.js';
import { createFanOutPool, type FanOutPool } from '../../src/workers/fan-out-pool.js';
import { largestSnapshot } from '../normalizers/large-snapshot.js';

// Neither case below reaches Redis: a payload error stores nothing, and a thread out of heap stops before storing.
const store = { connection: { host: '127.0.0.1', port: 1 }, prefix: 'unused', jobOptions: {} };
const targets = [{ name: 'out', enabled: true, format: 'json' as const, filter: {} }];

function delivery(body: string): IngestJobData {
  return {
    event: 'project_snapshot/v0',
    transportId: 't-1',
    snykTimestamp: undefined,
    receivedAt: '2026-11-26T10:00:00.000Z',
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}

let pool: FanOutPool | undefined;
afterEach(async () => {
  await pool?.close(2_000);
  pool = undefined;
});

describe('fan-out pool', () => {
  it.each([
    ['in a thread', 0],
    ['on the calling thread', undefined],
  ])(
    'answers a payload it cannot understand with the PayloadError message, not a failure (%s)',
    async (_, inlineMaxBytes) => {
      pool = createFanOutPool({ size: 1, store, inlineMaxBytes });
      await expect(pool.run(delivery('{"newIssues": []}'), 'd-1', targets)).resolves.toEqual({
        ok: false,
        payloadError: 'Invalid Snyk payload at project: project must be an object',
      });
      await expect(pool.run(delivery('not json'), 'd-2', targets)).resolves.toEqual({
        ok: false,
        payloadError: 'Invalid Snyk payload at (root): the stored body is not JSON',
      });
    },
    60_000,
  );

  it('fails the task of a thread that runs out of heap, and keeps serving with a new thread', async () => {
    // Room for the 32 MiB body as it arrives, not for the objects that parsing it makes. (A heap smaller than the
    // message itself fails while the message is copied in, which V8 treats as fatal for the whole process.)
    pool = createFanOutPool({ size: 1, store, resourceLimits: { maxOldGenerationSizeMb: 96 } });
    const { body } = largestSnapshot(32 * 1024 * 1024);
    await expect(pool.run(delivery(body), 'd-3', targets)).rejects.toThrow(/fan-out thread/);
    await expect(pool.run(delivery('[]'), 'd-4', targets)).resolves.toMatchObject({ ok: false });
  }, 120_000);

  it('fans out on the calling thread up to the inline limit, in a thread above it', async () => {
    pool = createFanOutPool({ size: 1, store, inlineMaxBytes: 1024 });
    await expect(pool.run(delivery('{"newIssues": []}'), 'd-5', targets)).resolves.toMatchObject({
      ok: false,
    });
    expect(pool.threads()).toBe(0);
    const large = JSON.stringify({ newIssues: [], padding: 'x'.repeat(4096) });
    await expect(pool.run(delivery(large), 'd-6', targets)).resolves.toMatchObject({ ok: false });
    expect(pool.threads()).toBe(1);
  }, 60_000);
});
