// The budget of unverified body bytes: what it admits, the room it keeps for small bodies, and what it gives back.
import { describe, expect, it } from 'vitest';
import { admits, BodyBudget, SMALL_BODY_BYTES, smallBodyReserve } from '../../src/receiver/body-budget.js';

const MIB = 1024 * 1024;

describe('the unverified body budget', () => {
  it('keeps an eighth of the budget for small bodies, but never so much that the largest body cannot fit alone', () => {
    expect(smallBodyReserve(64 * MIB, 32 * MIB)).toBe(8 * MIB);
    expect(smallBodyReserve(40 * MIB, 36 * MIB)).toBe(4 * MIB);
    expect(smallBodyReserve(32 * MIB, 32 * MIB)).toBe(0);
  });

  it('admits a large body only below the reserve, and a small one up to the whole budget', () => {
    const budget = 64 * MIB;
    const reserve = 8 * MIB;
    expect(admits(0, 0, 32 * MIB, budget, reserve)).toBe(true);
    expect(admits(32 * MIB, 0, 32 * MIB, budget, reserve)).toBe(false);
    expect(admits(56 * MIB - SMALL_BODY_BYTES, 0, SMALL_BODY_BYTES, budget, reserve)).toBe(true);
    expect(admits(64 * MIB - SMALL_BODY_BYTES, 0, SMALL_BODY_BYTES, budget, reserve)).toBe(true);
    expect(admits(64 * MIB - SMALL_BODY_BYTES + 1, 0, SMALL_BODY_BYTES, budget, reserve)).toBe(false);
    // A chunked body that grows past the small size is held to the large limit from then on.
    expect(admits(56 * MIB, SMALL_BODY_BYTES, 1, budget, reserve)).toBe(false);
  });

  it('counts every reservation in the gauge and gives all of it back once, however often it is released', () => {
    let gauge = 0;
    const budget = new BodyBudget({
      budgetBytes: 4 * MIB,
      maxBodyBytes: 2 * MIB,
      onChange: (delta) => (gauge += delta),
    });
    const first = budget.open();
    const second = budget.open();
    expect(first.grow(2 * MIB)).toBe(true);
    expect(second.grow(1 * MIB)).toBe(true);
    expect(second.grow(2 * MIB)).toBe(false);
    expect(budget.inFlight).toBe(3 * MIB);
    expect(gauge).toBe(3 * MIB);
    first.release();
    first.release();
    second.release();
    expect(budget.inFlight).toBe(0);
    expect(gauge).toBe(0);
  });
});
