// The heartbeat's schedule: one slot per interval, counted from the epoch, and each round in the next slot.
import { describe, expect, it } from 'vitest';
import { heartbeatSlot, nextRoundDelay } from '../../src/snyk/heartbeat.js';

describe('the heartbeat schedule', () => {
  it('puts every time of one interval in the same slot, in every process', () => {
    const interval = 15 * 60_000;
    expect(heartbeatSlot(0, interval)).toBe(0);
    expect(heartbeatSlot(interval - 1, interval)).toBe(0);
    expect(heartbeatSlot(interval, interval)).toBe(1);
    expect(heartbeatSlot(Date.UTC(2026, 0, 1), interval)).toBe(Date.UTC(2026, 0, 1) / interval);
  });

  it("schedules the next round in the next slot, at the process's offset, never in the same slot", () => {
    const interval = 60_000;
    expect(nextRoundDelay(120_000, interval, 0)).toBe(60_000);
    expect(nextRoundDelay(125_000, interval, 5_000)).toBe(60_000);
    expect(nextRoundDelay(179_999, interval, 2_000)).toBe(2_001);
    // However late a round ran, the delay lands in the following slot, so late timers never skip one.
    for (const now of [0, 1, 30_000, 59_999, 61_234]) {
      const at = now + nextRoundDelay(now, interval, 7_000);
      expect(heartbeatSlot(at, interval)).toBe(heartbeatSlot(now, interval) + 1);
    }
  });
});
