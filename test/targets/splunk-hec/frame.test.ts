// Property and unit tests of the HEC body builder: concatenated envelopes parse back to the records and metadata.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { frameHecBody, frameHecEvent, hecTime } from '../../../src/targets/splunk-hec/frame.js';
import { splitConcatenatedJson } from '../../helpers/peers/splunk-hec-peer.js';
import { jsonRecords, at } from '../../helpers/peers/records.js';
import { expectedValue, recordArb } from '../shared/arbitraries.js';

describe('splunk-hec encode', () => {
  it('a batch parses back (as HEC reads it) to one envelope per record (property)', () => {
    const meta = fc.record(
      {
        index: fc.string({ minLength: 1 }),
        source: fc.string({ minLength: 1 }),
        sourcetype: fc.string({ minLength: 1 }),
        host: fc.string({ minLength: 1 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 15 }), meta, (records, m) => {
        const envelopes = splitConcatenatedJson(frameHecBody(records, m)) as Record<string, unknown>[];
        expect(envelopes.map((e) => e['event'])).toEqual(records.map(expectedValue));
        envelopes.forEach((envelope, i) => {
          expect(envelope['time']).toBe(Date.parse(at(records, i).time) / 1000);
          expect(envelope['index']).toBe(m.index);
          expect(envelope['source']).toBe(m.source);
          expect(envelope['sourcetype']).toBe(m.sourcetype);
          expect(envelope['host']).toBe(m.host);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('time is epoch seconds with milliseconds; a bad time is left to Splunk', () => {
    expect(hecTime('2024-05-19T14:09:24.958Z')).toBe('1716127764.958');
    expect(hecTime('not a date')).toBeUndefined();
    const record = { ...at(jsonRecords(1), 0), time: 'garbage' };
    expect(frameHecEvent(record, {})).toBe(`{"event":${record.body}}`);
  });
});
