/**
 * The types handlers see. They flow from the resource descriptor (`kopf.resource<Spec, Status>`):
 * `spec`, `status`, `patch`, `body`, `old` and `new` are typed from the CRD; with a string resource
 * (`'pods'`) everything is `Record<string, unknown>`.
 */
import type { ResourceInfo, ResourceQuery } from '../../common/resources.ts';
import type { KubernetesObject, ObjectMeta } from '../structs/bodies.ts';
import type { Diff } from '../structs/diffs.ts';
import type { FilterMarker, FilterValue } from '../structs/filters.ts';
import type { Logger } from '../structs/logging.ts';
import type { MergePatch } from '../structs/patches.ts';
import type { AttemptOptions, Reason } from '../processing/handlers.ts';
import type { Registry } from '../processing/registry.ts';
import type { Resource } from './resources.ts';

/** The spec type of a resource descriptor (or of a string resource). */
export type SpecOf<R> = R extends Resource<infer Spec, infer _Status> ? Spec : Record<string, unknown>;
/** The status type of a resource descriptor (or of a string resource). */
export type StatusOf<R> = R extends Resource<infer _Spec, infer Status> ? Status : Record<string, unknown>;

/** A whole object of a resource with these spec and status types. */
export interface TypedObject<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
  [field: string]: unknown;
}

/**
 * The essence of an object: what change detection compares (`old`/`new` of change handlers):
 * everything but `status` and system metadata; only labels and (non-Kopf) annotations of the metadata.
 */
export interface Essence<Spec = Record<string, unknown>> {
  spec?: Spec;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A criterion for a field's value: an exact JSON value, `kopf.PRESENT`/`kopf.ABSENT`, or a callback. */
export type FieldFilter<Context> =
  | string
  | number
  | boolean
  | null
  | readonly unknown[]
  | { readonly [key: string]: unknown }
  | FilterMarker
  | ((value: unknown, context: Context) => boolean);

/** Open (`[field: string]: unknown`) only for untyped resources, so typos in typed ones fail to compile. */
type OpenIfUntyped<Spec> = string extends keyof Spec ? { [field: string]: unknown } : unknown;

/**
 * A handler's `patch`: a JSON merge-patch of the object (`null` deletes a field). `metadata`, its
 * `labels`/`annotations`, `spec` and `status` always exist, so `patch.status.phase = 'Ready'` works.
 * Applied together with the handler's result, in the same PATCH request(s).
 */
export type Patch<Spec = Record<string, unknown>, Status = Record<string, unknown>> = {
  metadata: MergePatch<ObjectMeta> & {
    labels: Record<string, string | null>;
    annotations: Record<string, string | null>;
  };
  spec: MergePatch<Spec>;
  status: MergePatch<Status>;
  /**
   * Kopf's `patch.fns`: functions that change the object in place, e.g. `(body) => {
   * body.spec.items.push('x') }`. They run on a copy of the latest body after the merge-patch is
   * applied; the difference goes out as a JSON-patch guarded by the resourceVersion (re-applied to
   * the newer body if the object changed meanwhile). For what a merge-patch cannot say: list items.
   */
  readonly fns: PatchFn<Spec, Status>[];
} & OpenIfUntyped<Spec>;

/**
 * One of `patch.fns`: changes the object (a copy of the latest one) in place. Declared as a method so
 * that its parameter is bivariant: `Patch<Spec>` stays covariant in `Spec`, as handler types need.
 */
export type PatchFn<Spec = Record<string, unknown>, Status = Record<string, unknown>> = {
  transform(body: TypedObject<Spec, Status>): void;
}['transform'];

/** What every change handler receives (one object; destructure what you need). */
export interface ChangeArgs<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Value = Essence<Spec>,
> {
  /** The whole object as the watch delivered it (read-only by convention: change it via `patch`). */
  body: TypedObject<Spec, Status>;
  spec: Spec;
  meta: ObjectMeta;
  /** The object's status; `{}` when it has none. */
  status: Partial<Status>;
  name: string;
  /** `undefined` for cluster-scoped objects. */
  namespace: string | undefined;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  patch: Patch<Spec, Status>;
  /** Logs with the object's `[namespace/name]` (and, with `settings.posting.loggers`, posts Events). */
  logger: Logger;
  reason: Reason;
  /** `[op, path, old, new]` tuples; for field handlers relative to the field. */
  diff: Diff;
  /** The previous essence (for field handlers: the field's previous value); `undefined` on creation. */
  old: Value | undefined;
  /** The new essence (for field handlers: the field's new value); `undefined` when removed. */
  new: Value | undefined;
  /** Per-object memory (a shallow copy of the operator's `memo` at first sight), kept across events. */
  memo: Record<string, unknown>;
  /** The resolved resource. */
  resource: ResourceInfo;
  /** Aborted when the operator stops: pass it to long awaits. */
  signal: AbortSignal;
  /** 0-based attempt number. */
  retry: number;
  /** When the first attempt started. */
  started: Date;
  /** Seconds since `started`. */
  runtime: number;
  /** The `param` option of the registration. */
  param: unknown;
}

/** The arguments of filter callbacks (`when`, callbacks in `labels`/`annotations`/`value`/`old`/`new`). */
export type FilterArgs<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Value = Essence<Spec>,
> = Omit<ChangeArgs<Spec, Status, Value>, 'retry' | 'started' | 'runtime' | 'param'>;

/**
 * A change handler. Its return value (if not `undefined`) is stored in `status.<handler id>`
 * (objects are merged in). Throw `kopf.TemporaryError`/`kopf.PermanentError` to steer retries.
 */
export type ChangeHandler<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Value = Essence<Spec>,
> = (args: ChangeArgs<Spec, Status, Value>) => unknown;

/** Options of every change handler. Times are in seconds. */
export interface HandlerOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Value = Essence<Spec>,
> extends AttemptOptions {
  /** Persisted handler id; defaults to the function's name (anonymous functions need one). */
  id?: string;
  /** Only objects with these labels: exact value, `kopf.PRESENT`, `kopf.ABSENT`, or a callback. */
  labels?: Record<string, FilterValue<string, FilterArgs<Spec, Status, Value>>>;
  /** Only objects with these annotations (same values as `labels`). */
  annotations?: Record<string, FilterValue<string, FilterArgs<Spec, Status, Value>>>;
  /** A dotted field path: with `value`, the field's old or new value must match; alone, it must be present. */
  field?: string;
  value?: FieldFilter<FilterArgs<Spec, Status, Value>>;
  /** A last, arbitrary filter. */
  when?: (args: FilterArgs<Spec, Status, Value>) => boolean;
  /** Register here instead of the default registry. */
  registry?: Registry;
}

/** `on.update`/`on.field` options: also `old`/`new` criteria for the field's values. */
export interface UpdateOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
  Value = Essence<Spec>,
> extends HandlerOptions<Spec, Status, Value> {
  old?: FieldFilter<FilterArgs<Spec, Status, Value>>;
  new?: FieldFilter<FilterArgs<Spec, Status, Value>>;
}

/** `on.delete` options. */
export interface DeleteOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends HandlerOptions<Spec, Status> {
  /** Do not block deletion with a finalizer (the handler then runs only if one exists for other reasons). */
  optional?: boolean;
}

/** `on.resume` options. */
export interface ResumeOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends HandlerOptions<Spec, Status> {
  /** Also resume objects already marked for deletion. */
  deleted?: boolean;
}

/** Whatever names one resource: a typed descriptor or a string such as `'pods'`. */
export type NamedResourceArg<Spec, Status> = Resource<Spec, Status> | string;

/**
 * What per-object handlers (`kopf.on.*`, timers, daemons, indexes) are registered for: one named
 * resource, or a query selecting several (`kopf.EVERYTHING`, `{ category: 'all' }`, `{ where }`).
 */
export type ResourceArg<Spec, Status> = NamedResourceArg<Spec, Status> | ResourceQuery;

export type { KubernetesObject };
