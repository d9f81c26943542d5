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

/** A configured value as a message shows it: `'text'`, `5`, `true`, `undefined`, `[1, 2]`, `a function`, `an object`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/['\\]/g, '\\$&')}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return 'an object';
}
