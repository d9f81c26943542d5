import { describe, expect, test } from 'vitest';
import { reconnectBackoff } from '../../runtime/watching/backoff.ts';

describe('reconnect backoff', () => {
  test('doubles from the base up to the maximum, and starts over after a reset', () => {
    const backoff = reconnectBackoff(
      () => ({ base: 0.1, max: 1 }),
      () => 0.5,
    );
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([0.1, 0.2, 0.4, 0.8, 1, 1]);
    backoff.reset();
    expect(backoff.next()).toBe(0.1);
  });

  test('adds up to ±20 % of jitter, never beyond the maximum', () => {
    const low = reconnectBackoff(
      () => ({ base: 1, max: 10 }),
      () => 0,
    );
    const high = reconnectBackoff(
      () => ({ base: 1, max: 10 }),
      () => 0.999999,
    );
    expect(low.next()).toBeCloseTo(0.8);
    expect(high.next()).toBeCloseTo(1.2);
    for (let i = 0; i < 10; i++) high.next();
    expect(high.next()).toBe(10);
  });

  test('reads the limits at every step, so changed settings apply', () => {
    let base = 1;
    const backoff = reconnectBackoff(
      () => ({ base, max: 100 }),
      () => 0.5,
    );
    expect(backoff.next()).toBe(1);
    base = 10;
    expect(backoff.next()).toBe(20);
  });
});
