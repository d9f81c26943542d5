/** Diffs in Kopf's format: [op, path, old, new]; dicts recursed, lists whole. */
import { describe, expect, test } from 'vitest';
import { diff, reduceDiff } from '../../runtime/structs/diffs.ts';

describe('diff', () => {
  test('equal values have an empty diff', () => {
    expect(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
  test('creation is one add at the root', () => {
    expect(diff(undefined, { spec: { x: 1 } })).toEqual([['add', [], undefined, { spec: { x: 1 } }]]);
  });
  test('adds first, then removes, then changes, recursing into objects', () => {
    expect(diff({ spec: { a: 1, b: 2, c: { d: 1 } } }, { spec: { a: 9, c: { d: 2 }, e: 5 } })).toEqual([
      ['add', ['spec', 'e'], undefined, 5],
      ['remove', ['spec', 'b'], 2, undefined],
      ['change', ['spec', 'a'], 1, 9],
      ['change', ['spec', 'c', 'd'], 1, 2],
    ]);
  });
  test('lists change as a whole', () => {
    expect(diff({ items: [1, 2] }, { items: [1, 3] })).toEqual([['change', ['items'], [1, 2], [1, 3]]]);
  });
  test('a type change is a change', () => {
    expect(diff({ a: { b: 1 } }, { a: 'x' })).toEqual([['change', ['a'], { b: 1 }, 'x']]);
  });
});

describe('reduceDiff', () => {
  test('narrows to a field with relative paths', () => {
    const full = diff({ spec: { size: 1, other: 1 } }, { spec: { size: 2, other: 2 } });
    expect(reduceDiff(full, ['spec', 'size'])).toEqual([['change', [], 1, 2]]);
  });
  test('re-diffs a change made at a parent level', () => {
    expect(reduceDiff([['add', [], undefined, { spec: { size: 3 } }]], ['spec', 'size'])).toEqual([
      ['add', [], undefined, 3],
    ]);
    expect(reduceDiff([['add', [], undefined, { spec: {} }]], ['spec', 'size'])).toEqual([]);
  });
  test('keeps changes below the field', () => {
    const full = diff({ spec: { a: { b: 1 } } }, { spec: { a: { b: 2 } } });
    expect(reduceDiff(full, ['spec', 'a'])).toEqual([['change', ['b'], 1, 2]]);
  });
});
