/** Field paths and JSON-value helpers for plain objects (bodies, essences, patches). */

/** A field path as keys, e.g. `['spec', 'size']`. */
export type FieldPath = readonly string[];

/** `'spec.size'` → `['spec', 'size']`; arrays pass through. */
export function parseField(field: string | FieldPath): FieldPath {
  if (typeof field !== 'string') return field;
  if (!field) throw new TypeError('A field path must not be empty.');
  return field.split('.');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path`, or `undefined` if any step is missing or not an object. */
export function resolveField(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Set `value` at `path`, creating intermediate objects. */
export function setField(target: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let current = target;
  for (const key of path.slice(0, -1)) {
    const next = current[key];
    if (!isPlainObject(next)) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) current[last] = value;
}

/** Remove the value at `path` (intermediate objects stay). */
export function removeField(target: Record<string, unknown>, path: FieldPath): void {
  const parent = resolveField(target, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isPlainObject(parent) && last !== undefined) delete parent[last];
}

/** A deep copy of a JSON value. */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Deep equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
