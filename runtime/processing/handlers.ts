/**
 * Handler declarations as the processing layer sees them (untyped: the public API in `api/` adds the
 * types from resource descriptors), and the registry that collects them.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ObjectMeta, KubernetesObject } from '../structs/bodies.ts';
import type { Diff } from '../structs/diffs.ts';
import type { FieldPath } from '../structs/dicts.ts';
import type { FilterValue } from '../structs/filters.ts';
import type { Logger } from '../structs/logging.ts';

/** A user-facing change reason (`reason` kwarg). */
export type Reason = 'create' | 'update' | 'delete' | 'resume';

/** What arbitrary (non-kopf) errors of a handler mean. */
export type ErrorsMode = 'temporary' | 'permanent' | 'ignored';

/** Whatever names a resource: a descriptor, or a string resolved by discovery at operator start. */
export type ResourceSelector = ResourceInfo | string;

/** Everything a change handler is called with, before the API layer types it. */
export interface ChangeKwargs {
  body: KubernetesObject;
  spec: Record<string, unknown>;
  meta: ObjectMeta;
  status: Record<string, unknown>;
  name: string;
  namespace: string | undefined;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Merge-patch the handler may fill; applied with the handler's result in one PATCH. */
  patch: HandlerPatch;
  logger: Logger;
  reason: Reason;
  diff: Diff;
  old: unknown;
  new: unknown;
  memo: Record<string, unknown>;
  resource: ResourceInfo;
  /** Aborted when the operator stops. */
  signal: AbortSignal;
  retry: number;
  started: Date;
  /** Seconds since the handler's first attempt. */
  runtime: number;
  param: unknown;
}

/** The handler's `patch`: pre-created stanzas so that `patch.spec.x = 1` just works. */
export interface HandlerPatch {
  metadata: { labels: Record<string, unknown>; annotations: Record<string, unknown>; [key: string]: unknown };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  [key: string]: unknown;
}

/** The arguments of filter callbacks (`when`, and callbacks in `labels`, `annotations`, `value`, ...). */
export type FilterKwargs = Omit<ChangeKwargs, 'retry' | 'started' | 'runtime' | 'param'>;

export type RawHandlerFn = (kwargs: ChangeKwargs) => unknown;

export interface HandlerFilters {
  labels?: Readonly<Record<string, FilterValue<string, FilterKwargs>>> | undefined;
  annotations?: Readonly<Record<string, FilterValue<string, FilterKwargs>>> | undefined;
  /** With `value`: old or new value matches; alone: the field is present. */
  field?: FieldPath | undefined;
  value?: FilterValue<unknown, FilterKwargs> | undefined;
  old?: FilterValue<unknown, FilterKwargs> | undefined;
  new?: FilterValue<unknown, FilterKwargs> | undefined;
  when?: ((kwargs: FilterKwargs) => boolean) | undefined;
}

/** A change handler: `on.create/update/delete/resume/field`. */
export interface ChangingHandler extends HandlerFilters {
  id: string;
  fn: RawHandlerFn;
  selector: ResourceSelector;
  /** `undefined` for resume (any reason, initial only) and field handlers (create/update with a change). */
  reason: Reason | undefined;
  /** `on.field` and `on.update` with `field`: fires only when the field changed. */
  requiresChange: boolean;
  /** Resume handlers: only for objects first seen by the initial listing. */
  initial: boolean;
  /** Resume handlers: also for objects being deleted. */
  deleted: boolean;
  errors: ErrorsMode | undefined;
  retries: number | undefined;
  timeout: number | undefined;
  backoff: number | undefined;
  /** Non-optional delete handlers block deletion with a finalizer. */
  requiresFinalizer: boolean;
  param: unknown;
}

/** Operator-level handlers (`kopf.on.startup/cleanup/login/probe`): no resource, no object. */
export type Activity = 'startup' | 'cleanup' | 'login' | 'probe';

/** An activity handler as registered (the API layer types its arguments and result). */
export interface ActivityHandler {
  id: string;
  activity: Activity;
  fn: (kwargs: never) => unknown;
  errors: ErrorsMode | undefined;
  retries: number | undefined;
  timeout: number | undefined;
  backoff: number | undefined;
  param: unknown;
}

/** What running a handler once needs to know about it (any kind). */
export type ExecutableHandler = Pick<
  ChangingHandler,
  'id' | 'fn' | 'errors' | 'retries' | 'timeout' | 'backoff' | 'param'
>;

/** Options common to the per-object handlers that are not change handlers (retries and filters). */
export interface ResourceHandlerBase extends HandlerFilters {
  id: string;
  fn: RawHandlerFn;
  selector: ResourceSelector;
  errors: ErrorsMode | undefined;
  retries: number | undefined;
  timeout: number | undefined;
  backoff: number | undefined;
  param: unknown;
}

/** `kopf.on.event`: every raw watch event; no persistence, errors are logged and ignored. */
export interface WatchingHandler extends ResourceHandlerBase {
  kind: 'event';
}

/** `kopf.timer` and `kopf.daemon`: one background task per object; times in seconds. */
export interface SpawningHandler extends ResourceHandlerBase {
  kind: 'timer' | 'daemon';
  initialDelay: number | undefined;
  /** Timers: seconds between invocations. */
  interval?: number | undefined;
  /** Timers: run only after the object had no essential changes for this long. */
  idle?: number | undefined;
  /** Timers: align invocations to a grid of `interval` since the first one. */
  sharp?: boolean | undefined;
  /** Daemons: after being stopped, how long to just wait before the timeout counts. */
  cancellationBackoff?: number | undefined;
  /** Daemons: abandon (and release the object) this long after the backoff. */
  cancellationTimeout?: number | undefined;
  /** Daemons without a timeout: how often to re-check whether they exited. */
  cancellationPolling?: number | undefined;
}

/** `kopf.index`: the handler's result populates an in-memory index. */
export interface IndexingHandler extends ResourceHandlerBase {
  kind: 'index';
  /** Where the results go (the same store the user's index handle reads). */
  store: IndexStoreLike;
}

/** What the processing layer needs from an index store. */
export interface IndexStoreLike {
  /** Replace the object's contributions (a mapping → each key; anything else → key `null`). */
  replace(objectKey: string, result: unknown): void;
  /** Drop the object's contributions. */
  remove(objectKey: string): void;
  /** Forget everything (a new operator run starts empty). */
  clear(): void;
}

/**
 * The handlers of an operator. `kopf.on.*` registers into the default registry unless given
 * `{ registry }`; `kopf.operator({ registry })` serves one.
 */
export class Registry {
  readonly changing: ChangingHandler[] = [];
  readonly spawning: SpawningHandler[] = [];
  readonly watching: WatchingHandler[] = [];
  readonly indexing: IndexingHandler[] = [];
  readonly activities: ActivityHandler[] = [];

  /** Add a change handler; the same id twice for the same resource and reason is an error. */
  addChanging(handler: ChangingHandler): void {
    const clash = this.changing.find(
      (h) =>
        h.id === handler.id &&
        h.reason === handler.reason &&
        h.initial === handler.initial &&
        selectorKey(h.selector) === selectorKey(handler.selector),
    );
    if (clash && clash.fn !== handler.fn) {
      throw new Error(
        `Duplicate handler id '${handler.id}' for ${selectorKey(handler.selector)}; give one of them another \`id\`.`,
      );
    }
    if (!clash) this.changing.push(handler);
  }

  /** Add an activity handler; the same id twice for the same activity is an error. */
  addActivity(handler: ActivityHandler): void {
    const clash = this.activities.find((h) => h.id === handler.id && h.activity === handler.activity);
    if (clash && clash.fn !== handler.fn) {
      throw new Error(
        `Duplicate ${handler.activity} handler id '${handler.id}'; give one of them another \`id\`.`,
      );
    }
    if (!clash) this.activities.push(handler);
  }

  addSpawning(handler: SpawningHandler): void {
    this.#refuseDuplicate(this.spawning, handler);
    this.spawning.push(handler);
  }

  addWatching(handler: WatchingHandler): void {
    this.#refuseDuplicate(this.watching, handler);
    this.watching.push(handler);
  }

  addIndexing(handler: IndexingHandler): void {
    this.#refuseDuplicate(this.indexing, handler);
    this.indexing.push(handler);
  }

  #refuseDuplicate(existing: readonly ResourceHandlerBase[], handler: ResourceHandlerBase): void {
    const key = selectorKey(handler.selector);
    if (existing.some((h) => h.id === handler.id && selectorKey(h.selector) === key)) {
      throw new Error(`Duplicate handler id '${handler.id}' for ${key}; give one of them another \`id\`.`);
    }
  }

  /** Distinct resource selectors of all handlers, in registration order. */
  selectors(): ResourceSelector[] {
    const seen = new Map<string, ResourceSelector>();
    for (const h of [...this.changing, ...this.spawning, ...this.watching, ...this.indexing]) {
      if (!seen.has(selectorKey(h.selector))) seen.set(selectorKey(h.selector), h.selector);
    }
    return [...seen.values()];
  }
}

/** A stable text key for a selector (for grouping handlers by resource). */
export function selectorKey(selector: ResourceSelector): string {
  if (typeof selector === 'string') return selector;
  return `${selector.plural}.${selector.version}${selector.group ? `.${selector.group}` : ''}`;
}
