/**
 * Whether a value survives the trip to the object as JSON. `JSON.stringify` throws on cycles and
 * BigInts but silently drops functions and symbols (or turns the whole value into `undefined`): a
 * handler's result with any of them would either be stored wrongly or fail the PATCH on every
 * attempt. The check follows `JSON.stringify`'s own walk (own enumerable keys, `toJSON()`).
 */

/** What in `value` cannot be stored as JSON (e.g. `a BigInt at .spec.size`), or `undefined` if nothing. */
export function unserialisablePart(value: unknown): string | undefined {
  return walk(value, '', new Set());
}

function walk(value: unknown, at: string, ancestors: Set<object>): string | undefined {
  const place = at ? ` at ${at}` : ' at the top level';
  switch (typeof value) {
    case 'bigint':
      return `a BigInt${place}`;
    case 'function':
      return `a function${place}`;
    case 'symbol':
      return `a symbol${place}`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  if (ancestors.has(value)) return `a circular reference${place}`;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return walk(toJSON.call(value) as unknown, at, ancestors);
  ancestors.add(value);
  try {
    const entries = Array.isArray(value)
      ? value.map((item, index) => [`[${index}]`, item] as const)
      : Object.entries(value).map(([key, item]) => [`.${key}`, item] as const);
    for (const [key, item] of entries) {
      const found = walk(item, `${at}${key}`, ancestors);
      if (found) return found;
    }
    return undefined;
  } finally {
    ancestors.delete(value);
  }
}
