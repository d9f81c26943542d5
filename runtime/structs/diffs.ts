/**
 * Diffs between two essences, in Kopf's format: `[op, path, old, new]` tuples. Objects are recursed;
 * arrays and scalars are compared as whole values. `undefined` means "absent".
 */
import { deepEqual, isPlainObject, resolveField, type FieldPath } from './dicts.ts';

export type DiffOperation = 'add' | 'change' | 'remove';

/** One change: what happened at which path, with the old and new values (`undefined` = absent). */
export type DiffItem = readonly [op: DiffOperation, path: FieldPath, old: unknown, new: unknown];

/** A sequence of changes; empty when nothing essential changed. */
export type Diff = readonly DiffItem[];

/** The diff from `a` to `b`: added keys first, then removed keys, then changed common keys (recursed). */
export function diff(a: unknown, b: unknown, path: FieldPath = []): Diff {
  if (deepEqual(a, b)) return [];
  if (a === undefined || a === null) return [['add', path, undefined, b]];
  if (b === undefined || b === null) return [['remove', path, a, undefined]];
  if (!isPlainObject(a) || !isPlainObject(b)) return [['change', path, a, b]];
  const items: DiffItem[] = [];
  for (const key of Object.keys(b)) if (!(key in a)) items.push(...diff(undefined, b[key], [...path, key]));
  for (const key of Object.keys(a)) if (!(key in b)) items.push(...diff(a[key], undefined, [...path, key]));
  for (const key of Object.keys(a)) if (key in b) items.push(...diff(a[key], b[key], [...path, key]));
  return items;
}

/**
 * Narrow a diff to one field, with paths relative to it (for `field=` handlers). Changes at a parent
 * level (e.g. the whole `spec` added) are re-diffed at the field's level.
 */
export function reduceDiff(full: Diff, field: FieldPath): Diff {
  const result: DiffItem[] = [];
  for (const [op, path, old, neu] of full) {
    const common = Math.min(path.length, field.length);
    if (!path.slice(0, common).every((key, i) => key === field[i])) continue;
    if (path.length >= field.length) {
      result.push([op, path.slice(field.length), old, neu]);
    } else {
      const rest = field.slice(path.length);
      result.push(...diff(resolveField(old, rest), resolveField(neu, rest)));
    }
  }
  return result;
}
