// Shared test fixtures for the syslog and Rapid7 targets: records, batches, a silent logger and a send context.
import winston from 'winston';
import type { RecordBatch, EncodedRecord, Severity } from '../../../src/record-batch.js';
import type { SendContext } from '../../../src/targets/types.js';

export const silentLogger = winston.createLogger({ silent: true });

let counter = 0;

/** A record whose body names its id, so receivers' outputs can be searched for it. */
export function makeRecord(overrides: Partial<EncodedRecord> = {}): EncodedRecord {
  counter += 1;
  const id = overrides.id ?? `rec-${process.pid}-${counter}`;
  return {
    id,
    time: '2026-11-26T21:04:05.123Z',
    kind: 'finding',
    severity: 'high' as Severity,
    format: 'json',
    body: JSON.stringify({ id, title: 'Prototype Pollution', package: 'lodash@4.17.20' }),
    ...overrides,
  };
}

export function makeBatch(records: EncodedRecord[], deliveryId = `d-${counter}`): RecordBatch {
  return { deliveryId, transportId: `t-${deliveryId}`, records };
}

export interface TestContext extends SendContext {
  readonly checkpoints: string[][];
  readonly rejections: Array<{ id: string; reason: string }>;
}

export function makeContext(signal: AbortSignal = new AbortController().signal): TestContext {
  const checkpoints: string[][] = [];
  const rejections: Array<{ id: string; reason: string }> = [];
  return {
    signal,
    logger: silentLogger,
    checkpoints,
    rejections,
    async checkpoint(ids) {
      checkpoints.push([...ids]);
    },
    async reject(list) {
      rejections.push(...list);
    },
  };
}

/** Parses an RFC 6587 octet-counted stream back into messages; throws on a malformed frame. */
export function parseOctetCounted(stream: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const space = stream.indexOf(0x20, at);
    if (space < 0) throw new Error(`no SP after MSG-LEN at ${at}`);
    const digits = stream.subarray(at, space).toString('ascii');
    if (!/^[1-9]\d*$/.test(digits)) throw new Error(`bad MSG-LEN ${JSON.stringify(digits)} at ${at}`);
    const length = Number(digits);
    const end = space + 1 + length;
    if (end > stream.length) throw new Error(`frame at ${at} runs past the end`);
    frames.push(stream.subarray(space + 1, end));
    at = end;
  }
  return frames;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Narrows `T | undefined` in tests without a non-null assertion; fails the test with a clear message instead. */
export function must<T>(value: T | undefined | null, what = 'value'): T {
  if (value === undefined || value === null) throw new Error(`expected ${what} to be present`);
  return value;
}
