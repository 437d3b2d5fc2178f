// Unit tests of the batcher: chunking, per-request checkpoints, job outcomes, and merging of concurrent jobs.
import { describe, expect, it } from 'vitest';
import { permanent, retryable, rateLimited, type SendError } from '../../../src/errors.js';
import {
  chunkItems,
  createBatcher,
  type BatchItem,
  type FlushOutcome,
} from '../../../src/targets/shared/batcher.js';
import { recordingContext, deliveryFailure } from '../../helpers/peers/records.js';

const items = (n: number, prefix = 'i', bytes = 10): BatchItem[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, piece: 'x'.repeat(bytes), bytes }));

describe('chunkItems', () => {
  it('respects maxEvents and maxBytes, and sends an oversized item alone', () => {
    expect(chunkItems(items(7), 3, 1_000).map((c) => c.length)).toEqual([3, 3, 1]);
    expect(chunkItems(items(7), 100, 25).map((c) => c.length)).toEqual([2, 2, 2, 1]);
    const big = [...items(1, 'a'), { id: 'big', piece: '', bytes: 500 }, ...items(1, 'b')];
    expect(chunkItems(big, 100, 100).map((c) => c.map((i) => i.id))).toEqual([['a0'], ['big'], ['b0']]);
  });
});

describe('createBatcher, maxWaitMs = 0', () => {
  it('sends chunks in order and checkpoints after each request', async () => {
    const seen: string[][] = [];
    const batcher = createBatcher({
      maxEvents: 2,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async (chunk) => {
        seen.push(chunk.map((i) => i.id));
        return undefined;
      },
    });
    const rec = recordingContext();
    await batcher.send(items(5), rec.context);
    expect(seen).toEqual([['i0', 'i1'], ['i2', 'i3'], ['i4']]);
    expect(rec.checkpoints).toEqual(seen);
    await batcher.close();
  });

  it('stops at the first failed request and keeps the unsent items un-checkpointed', async () => {
    let calls = 0;
    const batcher = createBatcher({
      maxEvents: 2,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async () => {
        calls += 1;
        if (calls === 2) throw retryable('http_retryable_status', 'busy');
        return undefined;
      },
    });
    const rec = recordingContext();
    const error = await deliveryFailure(batcher.send(items(6), rec.context));
    expect(error.code).toBe('http_retryable_status');
    expect(calls).toBe(2);
    expect(rec.checkpointed()).toEqual(['i0', 'i1']);
    await batcher.close();
  });

  it('per-item results: rejected are checkpointed, failed are not; retryable partial_failure wins', async () => {
    const batcher = createBatcher({
      maxEvents: 10,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async (): Promise<FlushOutcome> => ({
        rejected: new Map([['i1', '400 mapper_parsing_exception']]),
        failed: new Map([['i2', retryable('partial_failure', '429')]]),
      }),
    });
    const rec = recordingContext();
    const error = await deliveryFailure(batcher.send(items(4), rec.context));
    expect(error.code).toBe('partial_failure');
    expect(error.retryable).toBe(true);
    expect(rec.checkpointed().sort()).toEqual(['i0', 'i3']);
    expect(rec.rejected).toEqual(new Map([['i1', '400 mapper_parsing_exception']]));
    await batcher.close();
  });

  it('only rejections → permanent record_rejected naming ids and reasons', async () => {
    const batcher = createBatcher({
      maxEvents: 10,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async (): Promise<FlushOutcome> => ({
        rejected: new Map([['i1', '400 mapper_parsing_exception']]),
      }),
    });
    const error = await deliveryFailure(batcher.send(items(3), recordingContext().context));
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('record_rejected');
    expect(error.message).toContain('i1 (400 mapper_parsing_exception)');
    await batcher.close();
  });

  it('carries an item wait hint as rateLimited', async () => {
    const batcher = createBatcher({
      maxEvents: 10,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async (): Promise<FlushOutcome> => ({ failed: new Map([['i0', rateLimited('slow', 1_500)]]) }),
    });
    const error = await deliveryFailure(batcher.send(items(2), recordingContext().context));
    expect(error.code).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(1_500);
    await batcher.close();
  });

  it('refuses to send after close and when the job signal is aborted', async () => {
    const batcher = createBatcher({
      maxEvents: 1,
      maxBytes: 1_000,
      maxWaitMs: 0,
      what: 't',
      flush: async () => undefined,
    });
    const rec = recordingContext();
    rec.abort();
    expect((await deliveryFailure(batcher.send(items(1), rec.context))).retryable).toBe(true);
    await batcher.close();
    const error = await deliveryFailure(batcher.send(items(1), recordingContext().context));
    expect(error.code).toBe('target_closed');
  });
});

describe('createBatcher, maxWaitMs > 0 (merging concurrent jobs)', () => {
  it('merges concurrent jobs into one request; each job checkpoints only its own ids', async () => {
    const seen: string[][] = [];
    const batcher = createBatcher({
      maxEvents: 100,
      maxBytes: 10_000,
      maxWaitMs: 30,
      what: 't',
      flush: async (chunk) => {
        seen.push(chunk.map((i) => i.id));
        return undefined;
      },
    });
    const a = recordingContext();
    const b = recordingContext();
    const c = recordingContext();
    await Promise.all([
      batcher.send(items(2, 'a'), a.context),
      batcher.send(items(3, 'b'), b.context),
      batcher.send(items(1, 'c'), c.context),
    ]);
    expect(seen).toEqual([['a0', 'a1', 'b0', 'b1', 'b2', 'c0']]);
    expect(a.checkpointed()).toEqual(['a0', 'a1']);
    expect(b.checkpointed()).toEqual(['b0', 'b1', 'b2']);
    expect(c.checkpointed()).toEqual(['c0']);
    await batcher.close();
  });

  it('flushes at once when the merged queue reaches maxEvents', async () => {
    const seen: string[][] = [];
    const batcher = createBatcher({
      maxEvents: 3,
      maxBytes: 10_000,
      maxWaitMs: 5_000,
      what: 't',
      flush: async (chunk) => {
        seen.push(chunk.map((i) => i.id));
        return undefined;
      },
    });
    const started = Date.now();
    await Promise.all([
      batcher.send(items(2, 'a'), recordingContext().context),
      batcher.send(items(1, 'b'), recordingContext().context),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen).toEqual([['a0', 'a1', 'b0']]);
    await batcher.close();
  });

  it('settles each job with its own per-item outcome', async () => {
    const batcher = createBatcher({
      maxEvents: 100,
      maxBytes: 10_000,
      maxWaitMs: 20,
      what: 't',
      flush: async (): Promise<FlushOutcome> => ({
        failed: new Map([['a1', retryable('partial_failure', '429')]]),
        rejected: new Map([['b0', '400 bad']]),
      }),
    });
    const a = recordingContext();
    const b = recordingContext();
    const c = recordingContext();
    const results = await Promise.allSettled([
      batcher.send(items(2, 'a'), a.context),
      batcher.send(items(1, 'b'), b.context),
      batcher.send(items(1, 'c'), c.context),
    ]);
    expect(results[0]?.status).toBe('rejected');
    expect(((results[0] as PromiseRejectedResult).reason as SendError).code).toBe('partial_failure');
    expect(((results[1] as PromiseRejectedResult).reason as SendError).code).toBe('record_rejected');
    expect(results[2]?.status).toBe('fulfilled');
    expect(a.checkpointed()).toEqual(['a0']);
    expect(b.checkpointed()).toEqual([]);
    expect(b.rejected).toEqual(new Map([['b0', '400 bad']]));
    expect(c.checkpointed()).toEqual(['c0']);
    await batcher.close();
  });

  it('a whole-request failure fails every job in it, and withdraws their queued items', async () => {
    let calls = 0;
    const batcher = createBatcher({
      maxEvents: 2,
      maxBytes: 10_000,
      maxWaitMs: 10,
      what: 't',
      flush: async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 20));
        throw permanent('http_permanent_status', '400');
      },
    });
    const a = recordingContext();
    const error = await deliveryFailure(batcher.send(items(6, 'a'), a.context));
    expect(error.retryable).toBe(false);
    // The first three chunks go out together (queue full), so all three fail; nothing else remains.
    expect(calls).toBeLessThanOrEqual(3);
    expect(a.checkpointed()).toEqual([]);
    await batcher.close();
  });

  it('while a request is in flight, new jobs wait and then share one request (group commit)', async () => {
    const seen: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = createBatcher({
      maxEvents: 100,
      maxBytes: 10_000,
      maxWaitMs: 5_000,
      what: 't',
      flush: async (chunk) => {
        seen.push(chunk.map((i) => i.id));
        if (seen.length === 1) await gate;
        return undefined;
      },
    });
    const first = batcher.send(items(1, 'a'), recordingContext().context);
    await new Promise((r) => setTimeout(r, 10));
    const later = [
      batcher.send(items(1, 'b'), recordingContext().context),
      batcher.send(items(2, 'c'), recordingContext().context),
    ];
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([['a0']]);
    release();
    await Promise.all([first, ...later]);
    expect(seen).toEqual([['a0'], ['b0', 'c0', 'c1']]);
    await batcher.close();
  });

  it('maxWaitMs bounds the wait behind a slow request', async () => {
    const seen: string[][] = [];
    const batcher = createBatcher({
      maxEvents: 100,
      maxBytes: 10_000,
      maxWaitMs: 30,
      what: 't',
      flush: async (chunk, signal) => {
        seen.push(chunk.map((i) => i.id));
        if (seen.length === 1) {
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, 2_000);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve(undefined);
            });
          });
        }
        return undefined;
      },
    });
    void batcher.send(items(1, 'slow'), recordingContext().context).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await batcher.send(items(1, 'b'), recordingContext().context);
    expect(Date.now() - started).toBeLessThan(500);
    expect(seen).toEqual([['slow0'], ['b0']]);
    await batcher.close();
  });

  it('keeps at most maxInFlight merged requests out', async () => {
    let out = 0;
    let peak = 0;
    const batcher = createBatcher({
      maxEvents: 2,
      maxBytes: 10_000,
      maxWaitMs: 1,
      maxInFlight: 2,
      what: 't',
      flush: async () => {
        out += 1;
        peak = Math.max(peak, out);
        await new Promise((r) => setTimeout(r, 10));
        out -= 1;
        return undefined;
      },
    });
    const rec = recordingContext();
    await Promise.all([
      batcher.send(items(11, 'a'), rec.context),
      batcher.send(items(3, 'b'), recordingContext().context),
    ]);
    expect(peak).toBe(2);
    expect(rec.checkpointed().length).toBe(11);
    await batcher.close();
  });

  it('an aborted job leaves the queue; close fails queued jobs with a retryable error', async () => {
    const batcher = createBatcher({
      maxEvents: 100,
      maxBytes: 10_000,
      maxWaitMs: 5_000,
      what: 't',
      flush: (_chunk, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(retryable('target_closed', 'closed')));
        }),
    });
    const inFlight = deliveryFailure(batcher.send(items(1, 'x'), recordingContext().context));
    await new Promise((r) => setTimeout(r, 5));
    const a = recordingContext();
    const pendingA = deliveryFailure(batcher.send(items(2, 'a'), a.context));
    await new Promise((r) => setTimeout(r, 5));
    a.abort();
    expect((await pendingA).code).toBe('target_closed');
    const pendingB = deliveryFailure(batcher.send(items(2, 'b'), recordingContext().context));
    await new Promise((r) => setTimeout(r, 5));
    await batcher.close();
    for (const error of [await pendingB, await inFlight]) {
      expect(error.code).toBe('target_closed');
      expect(error.retryable).toBe(true);
    }
  });
});
