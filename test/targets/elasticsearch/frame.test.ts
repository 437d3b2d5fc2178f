// Property and unit tests of the _bulk body builder: action/source pairs parse back to the records.
import fc from 'fast-check';
import { at } from '../../helpers/peers/records.js';
import { describe, expect, it } from 'vitest';
import { frameBulkBody } from '../../../src/targets/elasticsearch/frame.js';
import { classifyBulkItem, classifyBulkResponse } from '../../../src/targets/elasticsearch/classify.js';
import { recordArb } from '../shared/arbitraries.js';

describe('elasticsearch encode', () => {
  it('pairs of lines: create action with _index and _id, then the document (property)', () => {
    const jsonOnly = recordArb.filter((r) => r.format === 'ecs');
    fc.assert(
      fc.property(fc.array(jsonOnly, { maxLength: 15 }), (records) => {
        const body = frameBulkBody(records, 'logs-snyk');
        expect(body === '' || body.endsWith('\n')).toBe(true);
        const lines = body.split('\n').slice(0, -1);
        expect(lines.length).toBe(records.length * 2);
        records.forEach((record, i) => {
          expect(JSON.parse(at(lines, 2 * i))).toEqual({ create: { _index: 'logs-snyk', _id: record.id } });
          expect(JSON.parse(at(lines, 2 * i + 1))).toEqual(JSON.parse(record.body));
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('elasticsearch item classification', () => {
  it.each([
    [201, undefined, 'delivered'],
    [200, undefined, 'delivered'],
    [409, 'version_conflict_engine_exception', 'delivered'],
    [429, 'es_rejected_execution_exception', 'retry'],
    [503, 'unavailable_shards_exception', 'retry'],
    [500, 'exception', 'retry'],
    [400, 'mapper_parsing_exception', 'rejected'],
    [400, 'document_parsing_exception', 'rejected'],
    [404, 'index_not_found_exception', 'rejected'],
    [409, 'some_other_conflict', 'rejected'],
  ] as const)('%i %s → %s', (status, type, kind) => {
    expect(classifyBulkItem(status, type).kind).toBe(kind);
  });

  it('errors:false means every item is stored; unreadable answers make items retryable', () => {
    expect(classifyBulkResponse('{"errors":false,"items":[]}', ['a', 'b'], 'x')).toEqual({});
    const unreadable = classifyBulkResponse('<html>', ['a', 'b'], 'x');
    expect([...(unreadable.failed?.keys() ?? [])]).toEqual(['a', 'b']);
    const short = classifyBulkResponse(
      '{"errors":true,"items":[{"create":{"status":201}}]}',
      ['a', 'b'],
      'x',
    );
    expect([...(short.failed?.keys() ?? [])]).toEqual(['b']);
  });
});
