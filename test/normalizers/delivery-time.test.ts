// The record time: X-Snyk-Timestamp is unsigned, so it is used only near the receipt time; otherwise it is kept as text.
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { NormalizedRecord } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const MRZARQUON = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns';
const RECEIVED = '2026-11-20T08:15:31.002Z';
const MARKER = '…[truncated]';

function recordsWith(snykTimestamp: string | undefined): NormalizedRecord[] {
  return normalize(fixture(MRZARQUON), ctx({ snykTimestamp, receivedAt: RECEIVED }));
}

function first(snykTimestamp: string | undefined): NormalizedRecord {
  const [record] = recordsWith(snykTimestamp);
  if (record === undefined) throw new Error('no record');
  return record;
}

describe('record time from X-Snyk-Timestamp', () => {
  it.each([
    ['2026-11-20T08:15:30.123456Z', '2026-11-20T08:15:30.123Z', 'a second before receipt'],
    ['2026-11-13T08:15:31.002Z', '2026-11-13T08:15:31.002Z', 'exactly 7 days before receipt'],
    ['2026-11-20T08:20:31.002Z', '2026-11-20T08:20:31.002Z', 'exactly 5 minutes after receipt (clock skew)'],
    ['2026-11-20T09:15:30+01:00', '2026-11-20T08:15:30.000Z', 'with an offset'],
  ])('uses %s as %s (%s)', (header, time) => {
    const record = first(header);
    expect(record.time).toBe(time);
    expect(record.delivery.snykTimestamp).toBe(time);
    expect(record.delivery.snykTimestampHeader).toBeUndefined();
  });

  it.each([
    ['0000-01-01T00:00:00Z', 'year 0'],
    ['9999-12-31T23:59:59Z', 'year 9999'],
    ['1970-01-01T00:00:00Z', 'the epoch'],
    ['2026-11-13T08:15:31.001Z', '1 ms more than 7 days before receipt'],
    ['2026-11-20T08:20:31.003Z', '1 ms more than 5 minutes after receipt'],
    ['garbage', 'not a time'],
    ['2026-02-30T00:00:00Z', 'no such day'],
  ])('refuses %s (%s): receipt time, and the header kept as text', (header) => {
    for (const record of recordsWith(header)) {
      expect(record.time).toBe(RECEIVED);
      expect(record.delivery.snykTimestamp).toBeUndefined();
      expect(record.delivery.snykTimestampHeader).toBe(header);
    }
  });

  it('keeps no header field when there was no header', () => {
    const record = first(undefined);
    expect(record.time).toBe(RECEIVED);
    expect(record.delivery.snykTimestampHeader).toBeUndefined();
  });

  it('keeps a hostile header bounded and printable: 64 characters, non-printable ASCII as `?`', () => {
    const header = `\u001b[31m9999-12-31T23:59:59Z\r\n\u00e9\u202e${'x'.repeat(10_000)}`;
    const kept = first(header).delivery.snykTimestampHeader ?? '';
    expect(kept).toHaveLength(64);
    expect(kept.endsWith(MARKER)).toBe(true);
    expect(kept.startsWith('?[31m9999-12-31T23:59:59Z????xxx')).toBe(true);
    expect(kept.slice(0, -MARKER.length)).toMatch(/^[\x20-\x7e]*$/);
  });

  it('writes the refused header in every format, and the receipt time as the event time', () => {
    const record = first('9999-12-31T23:59:59Z');
    const flat = JSON.parse(encode(record, 'json')) as Record<string, unknown>;
    expect(flat).toMatchObject({ time: RECEIVED, snyk_timestamp_header: '9999-12-31T23:59:59Z' });
    expect(flat).not.toHaveProperty('snyk_timestamp');
    const ecs = JSON.parse(encode(record, 'ecs')) as Record<string, unknown> & {
      snyk: Record<string, unknown>;
    };
    expect(ecs['@timestamp']).toBe(RECEIVED);
    expect(ecs.snyk['snyk_timestamp_header']).toBe('9999-12-31T23:59:59Z');
    const cef = parseCef(encode(record, 'cef')).extension;
    expect(cef.get('rt')).toBe(String(Date.parse(RECEIVED)));
    expect(cef.get('snykTimestampHeader')).toBe('9999-12-31T23:59:59Z');
    const leef = parseLeef(encode(record, 'leef')).attributes;
    expect(leef.get('devTime')).toBe(RECEIVED);
    expect(leef.get('snykTimestampHeader')).toBe('9999-12-31T23:59:59Z');
  });
});
