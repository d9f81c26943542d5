/**
 * `kopf.index`: an in-memory index over a resource's objects, filled by a handler that runs on every
 * event (before any other handler). Returning an object (or a `Map`) puts each key/value pair into
 * the index; returning anything else puts it under the key `null`. Each object's contribution is
 * replaced on every event and removed when the object is deleted, stops matching the filters, or
 * the handler fails. Resource handlers of the operator run only once every index is populated
 * (each indexed resource listed and indexed).
 *
 * @example
 * ```ts
 * const podsByApp = kopf.index('pods', function podsByAppFn({ name, labels }): Record<string, string> {
 *   return labels.app ? { [labels.app]: name } : {};
 * }); // Index<string, string>
 * kopf.on.create(examples, ({ spec }) => {
 *   const pods = podsByApp.get(spec.app); // string[]
 * });
 * ```
 */
import { attemptPolicy, type ResourceKwargs } from '../processing/handlers.ts';
import { IndexStore } from '../processing/indexing.ts';
import { validateFilters, type CommonOptions } from './filtering.ts';
import { defaultRegistry } from '../processing/registry.ts';
import type { ChangeArgs, ResourceArg } from './types.ts';

/** A read-only view of an index: key → the values all objects put under it. */
export interface Index<Value = unknown, Key = unknown> extends Iterable<[Key, Value[]]> {
  /** The handler id (also its key in `indexes`). */
  readonly id: string;
  /** The values under `key`, from all objects (empty if none). */
  get(key: Key): Value[];
  has(key: Key): boolean;
  keys(): Key[];
  /** Number of keys. */
  readonly size: number;
}

/** What index handlers receive: the resource arguments (their `patch` is never applied). */
export type IndexArgs<Spec = Record<string, unknown>, Status = Record<string, unknown>> = Omit<
  ChangeArgs<Spec, Status>,
  'reason' | 'diff' | 'old' | 'new'
>;

/**
 * The index a handler's result type makes: a `Map<K, V>` → keys `K`; an object → string keys with
 * its value type; anything else → values under the key `null`.
 */
export type IndexOf<Result> = [Result] extends [Map<infer K, infer V>]
  ? Index<V, K>
  : [Result] extends [readonly unknown[]]
    ? Index<Result, null>
    : [Result] extends [Record<string, infer V>]
      ? Index<V, string>
      : Index<Result, null>;

/**
 * An index handler: return `{ key: value, ... }` (or a `Map`) for keyed entries, or any other value
 * for the key `null`. Errors are ignored by default (the object is left out until its next event).
 */
export type IndexHandler<Result, Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: IndexArgs<Spec, Status>,
) => Result | Promise<Result>;

type Untyped = Record<string, unknown>;

/** Register an index handler; returns the index, typed from the handler's result, readable anywhere. */
export function index<Spec = Untyped, Status = Untyped, Result = unknown>(
  resource: ResourceArg<Spec, Status>,
  handler: IndexHandler<Result, NoInfer<Spec>, NoInfer<Status>>,
  options: CommonOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): IndexOf<Result> {
  const base = validateFilters<ResourceKwargs>(
    'index',
    resource,
    handler,
    options as CommonOptions<never, never>,
  );
  const store = new IndexStore();
  (options.registry ?? defaultRegistry()).addIndexing({
    ...base,
    kind: 'index',
    store,
    ...attemptPolicy(options),
    errors: options.errors ?? 'ignored',
  });
  return Object.assign(store, { id: base.id }) as unknown as IndexOf<Result>;
}
