// The ingest step: one target job per enabled target, holding that target's records in its format and filter.
import { describe, expect, it } from 'vitest';
import { targetSchema } from '../../src/targets/target-schema.js';
import { fanOut } from '../../src/workers/ingest-worker.js';
import { capturedIngestJob } from '../helpers/job-data.js';

const data = capturedIngestJob();
const target = (extra: Record<string, unknown>) =>
  targetSchema.parse({ type: 'file', path: '/tmp/x', ...extra });

describe('fanOut', () => {
  it('gives each target its own records, filtered and encoded in its format', () => {
    const jobs = fanOut(data, 'd-1', [
      target({ name: 'all', format: 'json' }),
      target({ name: 'high', format: 'cef', filter: { minSeverity: 'high', actions: ['introduced'] } }),
      target({ name: 'off', format: 'json', enabled: false }),
    ]);
    expect(jobs.map((job) => job.target)).toEqual(['all', 'high']);
    // 3 findings + 1 summary; only one finding is high.
    expect(jobs[0]?.records).toHaveLength(4);
    expect(jobs[1]?.records).toHaveLength(1);
    expect(jobs[1]?.records[0]?.body.startsWith('CEF:0|Snyk|Snyk Open Source|')).toBe(true);
    expect(jobs[1]?.records[0]?.severity).toBe('high');
    expect(jobs.every((job) => job.deliveryId === 'd-1' && job.transportId === 'tid-1')).toBe(true);
  });

  it('gives the same record the same id in every target', () => {
    const [a, b] = fanOut(data, 'd-1', [
      target({ name: 'a', format: 'json' }),
      target({ name: 'b', format: 'leef' }),
    ]);
    expect(a?.records.map((r) => r.id)).toEqual(b?.records.map((r) => r.id));
  });

  it('creates no job for a target whose filter keeps nothing', () => {
    const jobs = fanOut(data, 'd-1', [
      target({ name: 'crit', format: 'json', filter: { minSeverity: 'critical', actions: ['introduced'] } }),
    ]);
    expect(jobs).toEqual([]);
  });
});
