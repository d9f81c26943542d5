/**
 * Rules for configured values — handler options (api/options.ts) and operator settings
 * (settings-checks.ts): a predicate, and what it allows in words ("must be " + that reads as a message).
 */
export type Rule = readonly [check: (value: unknown) => boolean, allowed: string];

export const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

export const SECONDS: Rule = [(v) => isFiniteNumber(v) && v >= 0, 'a number of seconds ≥ 0'];
export const SECONDS_POSITIVE: Rule = [(v) => isFiniteNumber(v) && v > 0, 'a number of seconds > 0'];
export const NON_EMPTY_TEXT: Rule = [(v) => typeof v === 'string' && v !== '', 'a non-empty string'];
