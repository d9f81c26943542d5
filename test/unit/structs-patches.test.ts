/** Merge-patch helpers: accumulation, pruning, local application, inconsistency detection. */
import { describe, expect, test } from 'vitest';
import {
  applyMergePatch,
  findInconsistencies,
  jsonPatchDiff,
  mergeInto,
  mergePatchToJsonPatch,
  pruneEmpty,
} from '../../runtime/structs/patches.ts';

describe('merge-patches', () => {
  test('accumulate deeply; later values win; nulls are kept as deletions', () => {
    const target: Record<string, unknown> = { metadata: { annotations: { a: '1' } }, status: { x: 1 } };
    mergeInto(target, { metadata: { annotations: { b: null } }, status: { x: 2, y: { z: 1 } } });
    expect(target).toEqual({ metadata: { annotations: { a: '1', b: null } }, status: { x: 2, y: { z: 1 } } });
  });
  test('empty stanzas are pruned, nulls kept', () => {
    expect(
      pruneEmpty({ metadata: { labels: {}, annotations: { a: null } }, spec: {}, status: { s: undefined } }),
    ).toEqual({
      metadata: { annotations: { a: null } },
    });
  });
  test('apply like RFC 7386', () => {
    expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1] }, { a: null, b: { c: 9 }, l: [2] })).toEqual({
      b: { c: 9, d: 3 },
      l: [2],
    });
  });
});

describe('inconsistencies', () => {
  test('fields the server did not store are reported', () => {
    expect(findInconsistencies({ status: { kept: 1, pruned: 2 } }, { status: { kept: 1 } })).toEqual([
      'status.pruned',
    ]);
  });
  test('deletions that happened and emptied maps are fine', () => {
    expect(
      findInconsistencies(
        { metadata: { annotations: { a: null } }, spec: { x: null } },
        { metadata: {}, spec: {} },
      ),
    ).toEqual([]);
  });
});

describe('merge-patches as JSON-patches (for mutating webhooks)', () => {
  test('patch existing objects member by member, add missing ones whole, remove only what exists', () => {
    const body = {
      metadata: { name: 'x', labels: { a: '1', 'x/y': '2' } },
      spec: { keep: 1, drop: 2, nested: { n: 1 } },
    };
    const patch = {
      metadata: { labels: { a: '9', 'x/y': null, gone: null }, annotations: { b: 'new', c: null } },
      spec: { drop: null, nested: 'scalar', added: { deep: true, none: null } },
    };
    expect(mergePatchToJsonPatch(patch, body)).toEqual([
      { op: 'add', path: '/metadata/labels/a', value: '9' },
      { op: 'remove', path: '/metadata/labels/x~1y' },
      { op: 'add', path: '/metadata/annotations', value: { b: 'new' } },
      { op: 'remove', path: '/spec/drop' },
      { op: 'add', path: '/spec/nested', value: 'scalar' },
      { op: 'add', path: '/spec/added', value: { deep: true } },
    ]);
  });
});

describe('JSON-patches from a changed copy (patch.fns)', () => {
  test('objects member by member, equal-length lists item by item, other lists whole', () => {
    const before = { spec: { a: 1, gone: true, list: [1, 2], grow: ['x'], 'a/b~': 0 }, keep: 'same' };
    const after = {
      spec: { a: 2, list: [1, 3], grow: ['x', 'y'], 'a/b~': 1, added: { n: 1 } },
      keep: 'same',
    };
    expect(jsonPatchDiff(before, after)).toEqual([
      { op: 'remove', path: '/spec/gone' },
      { op: 'replace', path: '/spec/a', value: 2 },
      { op: 'replace', path: '/spec/list/1', value: 3 },
      { op: 'replace', path: '/spec/grow', value: ['x', 'y'] },
      { op: 'replace', path: '/spec/a~1b~0', value: 1 },
      { op: 'add', path: '/spec/added', value: { n: 1 } },
    ]);
  });
  test('no change, no ops; the ops do not share objects with the changed copy', () => {
    expect(jsonPatchDiff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    const after = { spec: { items: ['a'] } };
    const [op] = jsonPatchDiff({}, after);
    after.spec.items.push('b');
    expect(op).toEqual({ op: 'add', path: '/spec', value: { items: ['a'] } });
  });
});
