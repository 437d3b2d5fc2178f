// Property and unit tests of the HTTP target's body builders: NDJSON and JSON-array bodies parse back to the records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameHttpBody, frameHttpPiece, httpPieceBytes } from '../../../src/targets/http/frame.js';
import { jsonRecords } from '../../helpers/peers/records.js';
import { expectedValue, recordArb } from '../shared/arbitraries.js';

describe('http encode', () => {
  it('ndjson parses back line by line to the records (property)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const body = frameHttpBody(records, 'ndjson');
        const lines = body.split('\n');
        expect(lines.pop()).toBe('');
        expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(records.map(expectedValue));
      }),
      { numRuns: 200 },
    );
  });

  it('json-array parses back to the records (property)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        expect(JSON.parse(frameHttpBody(records, 'json-array'))).toEqual(records.map(expectedValue));
      }),
      { numRuns: 200 },
    );
  });

  it('byte accounting matches the real body length', () => {
    const records = jsonRecords(5);
    for (const encoding of ['ndjson', 'json-array'] as const) {
      const total = records.reduce(
        (sum, r) => sum + httpPieceBytes(frameHttpPiece(r, encoding), encoding),
        0,
      );
      const actual = Buffer.byteLength(frameHttpBody(records, encoding));
      // json-array: n-1 commas + 2 brackets = n + 1, counted as n.
      expect(actual - total).toBe(encoding === 'ndjson' ? 0 : 1);
    }
    expect(frameHttpBody([], 'json-array')).toBe('[]');
  });
});
