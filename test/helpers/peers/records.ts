// Test records and a recording SendContext for target tests.
import { expect } from 'vitest';
import winston from 'winston';
import { SendError } from '../../../src/errors.js';
import type { EncodedRecord, OutputFormat } from '../../../src/record-batch.js';
import type { SendContext } from '../../../src/targets/types.js';

/** Records whose JSON body carries its id (so peers can report which ids they parsed). */
export function jsonRecords(count: number, prefix = 'r', format: OutputFormat = 'json'): EncodedRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${i}`;
    return {
      id,
      time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, i % 1000)).toISOString(),
      kind: 'finding' as const,
      severity: 'high' as const,
      format,
      body: JSON.stringify({ id, '@timestamp': '2026-01-02T03:04:05.000Z', message: `finding ${i}`, n: i }),
    };
  });
}

/** The element at `index`, or a thrown error (tests run with noUncheckedIndexedAccess). */
export function at<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new Error(`no element at ${index}`);
  return value;
}

export interface RecordingContext {
  context: SendContext;
  /** Every checkpoint call, in order. */
  checkpoints: string[][];
  /** All checkpointed ids. */
  checkpointed(): string[];
  /** Records marked as refused for good (SendContext.reject), id → reason. */
  rejected: Map<string, string>;
  abort(): void;
}

export const silentLogger = winston.createLogger({ silent: true });

export function recordingContext(): RecordingContext {
  const controller = new AbortController();
  const checkpoints: string[][] = [];
  const rejected = new Map<string, string>();
  return {
    context: {
      signal: controller.signal,
      logger: silentLogger,
      checkpoint: async (ids) => {
        checkpoints.push([...ids]);
      },
      reject: async (rejections) => {
        for (const { id, reason } of rejections) rejected.set(id, reason);
      },
    },
    checkpoints,
    rejected,
    checkpointed: () => checkpoints.flat(),
    abort: () => controller.abort(new Error('test abort')),
  };
}

export function batchOf(records: EncodedRecord[], deliveryId = 'd1') {
  return { deliveryId, transportId: 't1', records };
}

/** The SendError a send rejected with; fails the test when it resolved or threw anything else. */
export async function deliveryFailure(promise: Promise<unknown>): Promise<SendError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SendError);
    return error as SendError;
  }
  throw new Error('expected the send to fail with a SendError');
}
