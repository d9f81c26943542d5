/**
 * Filter values for handler options (`labels`, `annotations`, `value`, `old`, `new`): an exact value,
 * `PRESENT`, `ABSENT`, or a callback.
 */
import { deepEqual } from './dicts.ts';

/** Matches when the label/annotation/field is present, whatever its value. */
export const PRESENT: unique symbol = Symbol.for('kopf-ts.PRESENT');
/** Matches when the label/annotation/field is absent. */
export const ABSENT: unique symbol = Symbol.for('kopf-ts.ABSENT');

export type FilterMarker = typeof PRESENT | typeof ABSENT;

/** A filter criterion for one value: exact value, a marker, or a predicate (`undefined` when absent). */
export type FilterValue<T = unknown, Context = never> =
  T | FilterMarker | ((value: T | undefined, context: Context) => boolean);

/** Whether one value (possibly `undefined` = absent) satisfies the criterion. */
export function matchesValue<T, Context>(
  value: T | undefined,
  criterion: FilterValue<T, Context>,
  context: Context,
): boolean {
  if (criterion === PRESENT) return value !== undefined;
  if (criterion === ABSENT) return value === undefined;
  if (typeof criterion === 'function') {
    return Boolean((criterion as (value: T | undefined, context: Context) => boolean)(value, context));
  }
  return deepEqual(value, criterion);
}
