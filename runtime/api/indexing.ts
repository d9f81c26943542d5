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
 * const podsByApp = kopf.index<string, string>('pods', function podsByAppFn({ name, labels }) {
 *   return labels.app ? { [labels.app]: name } : {};
 * });
 * kopf.on.create(examples, ({ spec }) => {
 *   const pods = podsByApp.get(spec.app); // string[]
 * });
 * ```
 */
import { IndexStore } from '../processing/indexing.ts';
import { validateFilters, type CommonOptions } from './filtering.ts';
import { defaultRegistry } from './registry.ts';
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
 * An index handler: return `{ key: value, ... }` (or a `Map`) for keyed entries, or any other value
 * for the key `null`. Errors are ignored by default (the object is left out until its next event).
 */
export type IndexHandler<Value, Key, Spec, Status> = (
  args: IndexArgs<Spec, Status>,
) =>
  | Record<string & Key, Value>
  | Map<Key, Value>
  | Value
  | Promise<Record<string & Key, Value> | Map<Key, Value> | Value>;

type Untyped = Record<string, unknown>;

/** Register an index handler; returns the typed index, readable from any handler. */
export function index<Value = unknown, Key = unknown, Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: IndexHandler<Value, Key, NoInfer<Spec>, NoInfer<Status>>,
  options: CommonOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): Index<Value, Key> {
  const base = validateFilters('index', resource, handler, options as CommonOptions<never, never>);
  const store = new IndexStore<Value, Key>();
  (options.registry ?? defaultRegistry()).addIndexing({
    ...base,
    kind: 'index',
    store,
    errors: options.errors ?? 'ignored',
    retries: options.retries,
    timeout: options.timeout,
    backoff: options.backoff,
  });
  return Object.assign(store, { id: base.id }) as IndexStore<Value, Key> & { id: string };
}
