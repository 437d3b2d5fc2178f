// Property and unit tests of the HTTP target's body builders: NDJSON and JSON-array bodies parse back to the records.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHttpBody, encodeHttpPiece, httpPieceBytes } from '../../../src/targets/http/encode.js';
import { jsonRecords } from '../../helpers/peers/records.js';
import { expectedValue, recordArb } from '../shared/arbitraries.js';

describe('http encode', () => {
  it('ndjson parses back line by line to the records (property)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), (records) => {
        const body = encodeHttpBody(records, 'ndjson');
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
        expect(JSON.parse(encodeHttpBody(records, 'json-array'))).toEqual(records.map(expectedValue));
      }),
      { numRuns: 200 },
    );
  });

  it('byte accounting matches the real body length', () => {
    const records = jsonRecords(5);
    for (const encoding of ['ndjson', 'json-array'] as const) {
      const total = records.reduce(
        (sum, r) => sum + httpPieceBytes(encodeHttpPiece(r, encoding), encoding),
        0,
      );
      const actual = Buffer.byteLength(encodeHttpBody(records, encoding));
      // json-array: n-1 commas + 2 brackets = n + 1, counted as n.
      expect(actual - total).toBe(encoding === 'ndjson' ? 0 : 1);
    }
    expect(encodeHttpBody([], 'json-array')).toBe('[]');
  });
});
