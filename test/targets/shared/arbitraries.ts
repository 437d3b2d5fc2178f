// fast-check arbitraries for EncodedRecords: JSON documents (json/ecs) and single-line text (cef/leef).
import fc from 'fast-check';
import type { EncodedRecord } from '../../../src/record-batch.js';

/** A JSON object body without CR/LF in its text form (JSON.stringify escapes them inside strings). */
const jsonDoc = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }).map((doc) => JSON.stringify(doc));

/** A CEF/LEEF-like line: any text without CR, LF or NUL (encoders guarantee that). */
const textLine = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, ' '));

export const recordArb: fc.Arbitrary<EncodedRecord> = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9-]{1,40}$/),
    time: fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2100-01-01T00:00:00Z'),
      noInvalidDate: true,
    }),
    json: fc.boolean(),
    doc: jsonDoc,
    line: textLine,
  })
  .map(({ id, time, json, doc, line }) => ({
    id,
    time: time.toISOString(),
    kind: 'finding' as const,
    severity: undefined,
    format: json ? ('ecs' as const) : ('cef' as const),
    body: json ? doc : line,
  }));

/** The JSON value a record stands for in a body: the document itself, or its line as a string. */
export function expectedValue(record: EncodedRecord): unknown {
  return record.format === 'json' || record.format === 'ecs' ? JSON.parse(record.body) : record.body;
}
