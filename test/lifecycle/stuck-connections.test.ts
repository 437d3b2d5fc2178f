// The rebuild decision for a worker whose connections stay down while Redis answers.
import { describe, expect, it } from 'vitest';
import { stuckConnectionTracker } from '../../src/lifecycle/stuck-connections.js';

const down = { redisAnswers: true, workerReady: false };
const up = { redisAnswers: true, workerReady: true };
const redisDown = { redisAnswers: false, workerReady: false };

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('stuckConnectionTracker', () => {
  it('rebuilds a worker once its connections have been down for the whole period with Redis answering', () => {
    const time = clock();
    const tracker = stuckConnectionTracker(60_000, time.now);
    expect(tracker.observe('target-siem', down)).toBe(false);
    time.advance(59_999);
    expect(tracker.observe('target-siem', down)).toBe(false);
    time.advance(1);
    expect(tracker.observe('target-siem', down)).toBe(true);
    // The rebuilt worker gets a whole period of its own.
    time.advance(1);
    expect(tracker.observe('target-siem', down)).toBe(false);
  });

  it('starts again when the connection comes back, and never counts while Redis itself is down', () => {
    const time = clock();
    const tracker = stuckConnectionTracker(60_000, time.now);
    tracker.observe('ingest', down);
    time.advance(50_000);
    expect(tracker.observe('ingest', up)).toBe(false);
    time.advance(50_000);
    expect(tracker.observe('ingest', down)).toBe(false);
    time.advance(30_000);
    expect(tracker.observe('ingest', redisDown)).toBe(false);
    time.advance(40_000);
    expect(tracker.observe('ingest', down)).toBe(false);
    time.advance(60_000);
    expect(tracker.observe('ingest', down)).toBe(true);
  });

  it('keeps one clock per worker and forgets removed ones', () => {
    const time = clock();
    const tracker = stuckConnectionTracker(1000, time.now);
    tracker.observe('a', down);
    time.advance(500);
    tracker.observe('b', down);
    time.advance(500);
    expect(tracker.observe('a', down)).toBe(true);
    expect(tracker.observe('b', down)).toBe(false);
    tracker.keepOnly(['a']);
    time.advance(600);
    // b was forgotten: its clock starts now.
    expect(tracker.observe('b', down)).toBe(false);
  });
});
