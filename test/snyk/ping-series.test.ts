// snyk_last_ping_timestamp_seconds{org}: one series per heartbeat org, "other" for the rest, bounded whatever Redis holds.
import { describe, expect, it } from 'vitest';
import { pingSeries } from '../../src/snyk/ping-series.js';

const A = '0f3c2b1a-0000-4000-8000-00000000000a';
const B = '0f3c2b1a-0000-4000-8000-00000000000b';

describe('the ping series', () => {
  it('is "other" alone, at 0, before any ping and without a heartbeat', () => {
    expect(pingSeries({}, [], 0)).toEqual([{ org: 'other', seconds: 0 }]);
  });

  it('gives each heartbeat org its own series, at 0 until its first ping', () => {
    expect(pingSeries({ [A]: 1000 }, [A, B], 1000)).toEqual([
      { org: A, seconds: 1000 },
      { org: B, seconds: 0 },
      { org: 'other', seconds: 0 },
    ]);
  });

  it('folds orgs outside the heartbeat into "other", so their number never grows the label set', () => {
    const series = pingSeries({ [A]: 1000, [B]: 1200, other: 900 }, [A], 1200);
    expect(series).toEqual([
      { org: A, seconds: 1000 },
      { org: 'other', seconds: 1200 },
    ]);
  });

  it('keeps the last ping of any kind as the maximum, pings recorded before the per-org record included', () => {
    const series = pingSeries({}, [A], 1500);
    expect(Math.max(...series.map((s) => s.seconds))).toBe(1500);
    expect(series.find((s) => s.org === 'other')?.seconds).toBe(1500);
    // A newer per-org record is not hidden under an older unlabelled time.
    expect(pingSeries({ [A]: 2000 }, [A], 1500)).toEqual([
      { org: A, seconds: 2000 },
      { org: 'other', seconds: 0 },
    ]);
  });
});
