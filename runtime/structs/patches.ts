/**
 * Patches as the framework accumulates them during one processing cycle: a JSON merge-patch (where
 * `null` deletes a key) plus JSON-patch operations for what merge-patches cannot do safely (finalizers,
 * guarded by a `test` on the resourceVersion). One cycle → one patch → at most four requests.
 */
import { deepCopy, deepEqual, isPlainObject } from './dicts.ts';

/** A JSON merge-patch of `T` (RFC 7386): every field optional, `null` deletes it; arrays are replaced whole. */
export type MergePatch<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { -readonly [K in keyof T]?: MergePatch<T[K]> | null }
    : T;

/** One JSON-patch operation (RFC 6902). */
export type JsonPatchOp =
  { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Deep-merge merge-patch `source` into `target` (later values win; `null`s are kept as deletions). */
export function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const existing = target[key];
    if (isPlainObject(existing) && isPlainObject(value)) mergeInto(existing, value);
    else target[key] = deepCopy(value);
  }
}

/** Drop `undefined` values and empty objects (a handler's untouched `patch.spec` etc.) recursively. */
export function pruneEmpty(patch: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (isPlainObject(value)) {
      const pruned = pruneEmpty(value);
      if (Object.keys(pruned).length > 0) result[key] = pruned;
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** The object as it would look after a merge-patch (RFC 7386), without modifying it. */
export function applyMergePatch<T>(body: T, patch: unknown): T {
  if (!isPlainObject(patch)) return deepCopy(patch) as T;
  const result: Record<string, unknown> = isPlainObject(body) ? deepCopy(body) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = applyMergePatch(result[key], value);
  }
  return result as T;
}

/** Escape a key for a JSON-pointer path segment (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Paths of the merge-patch that the returned body does not reflect (e.g. pruned by the CRD schema).
 * Emptied `labels`/`annotations`/`finalizers` are not mismatches: the API server drops empty maps.
 */
export function findInconsistencies(
  patch: Record<string, unknown>,
  body: unknown,
  path: string[] = [],
): string[] {
  const found: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const here = [...path, key];
    const actual = isPlainObject(body) ? body[key] : undefined;
    if (value === null) {
      if (actual !== undefined && actual !== null) found.push(here.join('.'));
    } else if (isPlainObject(value)) {
      const emptied = Object.values(value).every((v) => v === null);
      if (emptied && actual === undefined && ['labels', 'annotations'].includes(key)) continue;
      found.push(...findInconsistencies(value, actual, here));
    } else if (!deepEqual(value, actual)) {
      if (key === 'finalizers' && Array.isArray(value) && value.length === 0 && actual === undefined)
        continue;
      found.push(here.join('.'));
    }
  }
  return found;
}

/**
 * The JSON-patch (RFC 6902) that does to `body` what merge-patch `patch` (RFC 7386) would: what
 * mutating admission webhooks must answer with. Nested objects the body already has are patched
 * member by member; anything else is added whole (`add` also replaces an existing member), and
 * `null` removes a member that exists.
 */
export function mergePatchToJsonPatch(
  patch: Record<string, unknown>,
  body: unknown,
  path = '',
): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const target = isPlainObject(body) ? body : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const here = `${path}/${pointerSegment(key)}`;
    const existing = target[key];
    if (value === null) {
      if (key in target) ops.push({ op: 'remove', path: here });
    } else if (isPlainObject(value) && isPlainObject(existing)) {
      ops.push(...mergePatchToJsonPatch(value, existing, here));
    } else {
      // A new sub-object: its `null`s delete nothing, so they are dropped (merge-patch semantics).
      ops.push({ op: 'add', path: here, value: applyMergePatch(undefined, value) });
    }
  }
  return ops;
}

/**
 * The JSON-patch (RFC 6902) that turns `before` into `after` (Kopf's `jsonpatch.from_diff`): objects
 * member by member, lists of the same length item by item, anything else replaced whole.
 */
export function jsonPatchDiff(before: unknown, after: unknown, path = ''): JsonPatchOp[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const ops: JsonPatchOp[] = [];
    for (const key of Object.keys(before)) {
      if (after[key] === undefined && before[key] !== undefined)
        ops.push({ op: 'remove', path: `${path}/${pointerSegment(key)}` });
    }
    for (const [key, value] of Object.entries(after)) {
      if (value === undefined) continue;
      const here = `${path}/${pointerSegment(key)}`;
      if (before[key] === undefined) ops.push({ op: 'add', path: here, value: deepCopy(value) });
      else ops.push(...jsonPatchDiff(before[key], value, here));
    }
    return ops;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => jsonPatchDiff(item, after[index], `${path}/${index}`));
  }
  return deepEqual(before, after) ? [] : [{ op: 'replace', path, value: deepCopy(after) }];
}
