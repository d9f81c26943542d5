/** Reconnect backoff of watch streams: grows while failures repeat, resets after a healthy stream. */

/** Exponential backoff with jitter, between `base` and `max` seconds. */
export interface Backoff {
  /** The next delay in seconds (grows with each consecutive call). */
  next(): number;
  /** A stream worked: start from `base` again. */
  reset(): void;
}

/**
 * Doubling delays from `base` up to `max`, each with up to ±20 % jitter (so that many watchers that
 * failed together do not reconnect together). `random` is injectable for tests.
 */
export function reconnectBackoff(
  limits: () => { base: number; max: number },
  random: () => number = Math.random,
): Backoff {
  let failures = 0;
  return {
    next() {
      const { base, max } = limits();
      const raw = Math.min(max, base * 2 ** failures);
      failures++;
      const jitter = 1 + (random() * 2 - 1) * 0.2;
      return Math.min(max, Math.max(0, raw * jitter));
    },
    reset() {
      failures = 0;
    },
  };
}
