// X-Snyk-Timestamp outside its window never becomes the time of any record in any format; the raw value is kept.
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { NormalizedRecord } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const MRZARQUON = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns';
const RECEIVED = '2026-11-20T08:15:31.002Z';
const DAY = 24 * 60 * 60 * 1000;

/** Every kind of record: three findings and the summary of a snapshot, and a generic record of an unknown event. */
function recordsWith(snykTimestamp: string): NormalizedRecord[] {
  return [
    ...normalize(fixture(MRZARQUON), ctx({ snykTimestamp, receivedAt: RECEIVED })),
    ...normalize(
      fixture(MRZARQUON),
      ctx({ snykTimestamp, receivedAt: RECEIVED, event: 'project_created/v0' }),
    ),
  ];
}

/** The time and the kept header of one record, as each format's reader sees them. */
function timesIn(record: NormalizedRecord): Record<string, unknown> {
  const json = JSON.parse(encode(record, 'json')) as Record<string, unknown>;
  const ecs = JSON.parse(encode(record, 'ecs')) as { '@timestamp': string; snyk: Record<string, unknown> };
  const cef = parseCef(encode(record, 'cef')).extension;
  const leef = parseLeef(encode(record, 'leef')).attributes;
  return {
    jsonTime: json['time'],
    jsonHeader: json['snyk_timestamp_header'],
    ecsTime: ecs['@timestamp'],
    ecsHeader: ecs.snyk['snyk_timestamp_header'],
    cefRt: Number(cef.get('rt')),
    cefHeader: cef.get('snykTimestampHeader'),
    leefTime: leef.get('devTime'),
    leefHeader: leef.get('snykTimestampHeader'),
  };
}

function iso(offsetMs: number): string {
  return new Date(Date.parse(RECEIVED) + offsetMs).toISOString();
}

describe('X-Snyk-Timestamp window (unsigned header)', () => {
  it.each([
    ['year 0', '0000-01-01T00:00:00Z'],
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['the epoch', '1970-01-01T00:00:00Z'],
    ['8 days before receipt', iso(-8 * DAY)],
    ['10 minutes after receipt', iso(10 * 60 * 1000)],
  ])(
    '%s (%s): every format carries the receipt time, and the raw header in its vendor field',
    (_, header) => {
      const records = recordsWith(header);
      expect(records.map((r) => r.kind)).toEqual(['finding', 'finding', 'finding', 'summary', 'generic']);
      for (const record of records) {
        expect(timesIn(record)).toEqual({
          jsonTime: RECEIVED,
          jsonHeader: header,
          ecsTime: RECEIVED,
          ecsHeader: header,
          cefRt: Date.parse(RECEIVED),
          cefHeader: header,
          leefTime: RECEIVED,
          leefHeader: header,
        });
      }
    },
  );

  it('a timestamp 2 minutes before receipt is the time of every record in every format', () => {
    const header = iso(-2 * 60 * 1000);
    for (const record of recordsWith(header)) {
      expect(timesIn(record)).toEqual({
        jsonTime: header,
        jsonHeader: undefined,
        ecsTime: header,
        ecsHeader: undefined,
        cefRt: Date.parse(header),
        cefHeader: undefined,
        leefTime: header,
        leefHeader: undefined,
      });
    }
  });
});
