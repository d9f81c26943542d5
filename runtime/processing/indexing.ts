/**
 * `kopf.index`: in-memory indexes filled by index handlers on every event, before anything else.
 * Each object's contribution is kept separately (a reverse index), so an update or a deletion
 * replaces exactly what that object put in. Resource handlers wait for {@link IndexingGate} until
 * every indexed resource was listed and its listed objects indexed.
 */
import { isPlainObject } from '../structs/dicts.ts';
import type { Logger } from '../structs/logging.ts';
import { freshState } from '../structs/progress.ts';
import type { WatchEvent } from '../watching/types.ts';
import { objectKwargs, type EventContext } from './context.ts';
import { executeOnce } from './execution.ts';
import type { IndexingHandler, IndexStoreLike } from './handlers.ts';
import { asFilterKwargs, type ResourceKwargs } from './kwargs.ts';
import { prematches } from './matching.ts';

/** One index: key → the values every object contributed under it. */
export class IndexStore<Value = unknown, Key = unknown> implements IndexStoreLike {
  /** object → its (key → value) pairs. */
  readonly #byObject = new Map<string, Map<Key, Value>>();
  /** key → (object → value), in the order objects were first indexed. */
  readonly #byKey = new Map<Key, Map<string, Value>>();

  replace(objectKey: string, result: unknown): void {
    this.remove(objectKey);
    const pairs = new Map<Key, Value>();
    if (result instanceof Map) {
      for (const [key, value] of result as Map<Key, Value>) pairs.set(key, value);
    } else if (isPlainObject(result)) {
      for (const [key, value] of Object.entries(result)) pairs.set(key as Key, value as Value);
    } else {
      pairs.set(null as Key, result as Value);
    }
    this.#byObject.set(objectKey, pairs);
    for (const [key, value] of pairs) {
      const values = this.#byKey.get(key) ?? new Map<string, Value>();
      values.set(objectKey, value);
      this.#byKey.set(key, values);
    }
  }

  remove(objectKey: string): void {
    const pairs = this.#byObject.get(objectKey);
    if (!pairs) return;
    this.#byObject.delete(objectKey);
    for (const key of pairs.keys()) {
      const values = this.#byKey.get(key);
      values?.delete(objectKey);
      if (values?.size === 0) this.#byKey.delete(key);
    }
  }

  clear(): void {
    this.#byObject.clear();
    this.#byKey.clear();
  }

  /** The values under `key` (from all objects); empty if none. */
  get(key: Key): Value[] {
    return [...(this.#byKey.get(key)?.values() ?? [])];
  }

  has(key: Key): boolean {
    return this.#byKey.has(key);
  }

  keys(): Key[] {
    return [...this.#byKey.keys()];
  }

  /** Number of keys. */
  get size(): number {
    return this.#byKey.size;
  }

  *[Symbol.iterator](): IterableIterator<[Key, Value[]]> {
    for (const [key, values] of this.#byKey) yield [key, [...values.values()]];
  }
}

/** The per-object identity of index entries (Kopf's `(namespace, name, uid)`). */
export function indexObjectKey(kwargs: Pick<ResourceKwargs, 'namespace' | 'name' | 'uid'>): string {
  return `${kwargs.namespace ?? ''}/${kwargs.name}/${kwargs.uid}`;
}

/**
 * The indexing step of one event, first of all (so that other objects' handlers see this one): it
 * counts towards the gate, so resource handlers do not start in the middle of an initial indexing.
 */
export async function processIndexing(context: EventContext): Promise<void> {
  const { options, event, localLogger: logger } = context;
  const indexers = options.indexing ?? [];
  if (!indexers.length) return;
  const index = () => runIndexers(indexers, event, { ...objectKwargs(context), logger }, logger);
  await (options.gate ? options.gate.track(index) : index());
}

/**
 * Update every index of the resource with this event: DELETED and non-matching objects are
 * removed; a failing handler removes the object from its index (retried with the next event).
 */
export async function runIndexers(
  handlers: readonly IndexingHandler[],
  event: WatchEvent,
  kwargs: ResourceKwargs,
  logger: Logger,
): Promise<void> {
  const objectKey = indexObjectKey(kwargs);
  const filterKwargs = asFilterKwargs(kwargs);
  for (const handler of handlers) {
    if (event.type === 'DELETED' || !prematches(handler, filterKwargs)) {
      handler.store.remove(objectKey);
      continue;
    }
    const outcome = await executeOnce({
      handler: { ...handler, errors: handler.errors ?? 'ignored' },
      state: freshState(undefined),
      kwargs,
      body: kwargs.body,
      resource: kwargs.resource,
      logger,
      defaultBackoff: 0,
      quiet: true,
    });
    if (outcome.error || !outcome.final) handler.store.remove(objectKey);
    else handler.store.replace(objectKey, outcome.result);
  }
}

/**
 * The readiness of all indexes: open once every expected watcher (of an indexed resource) has
 * delivered its first listing and no index handler is still running for listed objects.
 */
export class IndexingGate {
  readonly #expected = new Set<string>();
  readonly #listed = new Set<string>();
  #running = 0;
  #open = false;
  readonly #waiters: Array<() => void> = [];

  /** A watcher whose first listing must be indexed before resource handlers run. */
  expect(watcher: string): void {
    if (!this.#open) this.#expected.add(watcher);
  }

  listed(watcher: string): void {
    this.#listed.add(watcher);
    // The listing is dispatched to the workers; let them start indexing before checking.
    setImmediate(() => this.#check());
  }

  /** Count an index handler run, so the gate does not open in the middle of it. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#running++;
    try {
      return await work();
    } finally {
      this.#running--;
      this.#check();
    }
  }

  /** Resolves when open (at once if nothing is indexed), or when `signal` aborts. */
  async ready(signal: AbortSignal): Promise<void> {
    this.#check();
    if (this.#open || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.push(done);
    });
  }

  #check(): void {
    if (this.#open || this.#running > 0) return;
    if ([...this.#expected].some((w) => !this.#listed.has(w))) return;
    this.#open = true;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
