// Fan-out gives the splunk-hec target json with the CIM fields (its `cim` default) and every other json target none.
import { describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/targets/target-schema.js';
import { fanOut } from '../../src/workers/ingest-worker.js';
import { capturedIngestJob } from '../helpers/job-data.js';

const data = capturedIngestJob();
const hec = (extra: Record<string, unknown> = {}) =>
  targetSchema.parse({
    name: 'splunk',
    type: 'splunk-hec',
    url: 'https://splunk.example:8088',
    token: 'token-0000',
    maxRecordBytes: 0,
    ...extra,
  });
const file = targetSchema.parse({ name: 'file', type: 'file', path: '/tmp/x', format: 'json' });

type Json = Record<string, unknown>;
const parsed = (job: { records: { body: string; kind: string }[] } | undefined) =>
  (job?.records ?? []).map((r) => ({ kind: r.kind, doc: JSON.parse(r.body) as Json }));

describe('cim at fan-out', () => {
  it('adds the CIM fields to the findings of a splunk-hec target only, and to nothing else', () => {
    const [splunk, plain] = fanOut(data, 'd-1', [hec(), file]);
    const withCim = parsed(splunk);
    const without = parsed(plain);
    expect(withCim).toHaveLength(4);
    for (const [i, { kind, doc }] of withCim.entries()) {
      const other = without[i]?.doc ?? {};
      expect(doc).toMatchObject(other);
      if (kind === 'finding') {
        expect(doc['dvc']).toBe('snyk');
        expect(doc['signature_id']).toBe(doc['issue_id']);
        expect(doc['dest']).toBe('mrzarquon/goof:package.json');
      } else expect(doc).toEqual(other);
      expect(other['dvc']).toBeUndefined();
    }
  });

  it('sends plain json with cim: false, and leaves other formats alone', () => {
    const [off, cef] = fanOut(data, 'd-1', [hec({ cim: false }), hec({ name: 'cef', format: 'cef' })]);
    for (const { doc } of parsed(off)) expect(doc['dvc']).toBeUndefined();
    expect(cef?.records.every((r) => r.body.startsWith('CEF:0|'))).toBe(true);
  });
});
