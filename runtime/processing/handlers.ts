/**
 * Handler declarations as the processing layer sees them (untyped: the public API in `api/` adds the
 * types from resource descriptors); `registry.ts` collects them.
 */
import type { HandlerSelector, ResourceInfo, ResourceSelector } from '../../common/resources.ts';
import type { KubernetesObject, ObjectArgs } from '../structs/bodies.ts';
import type { Diff } from '../structs/diffs.ts';
import type { FieldPath } from '../structs/dicts.ts';
import type { FilterValue } from '../structs/filters.ts';
import type { Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { WatchEvent } from '../watching/types.ts';
import type { DaemonStopped } from './stopping.ts';
import type { AdmissionOperation, UserInfo } from '../structs/reviews.ts';

/** A user-facing change reason (`reason` kwarg). */
export type Reason = 'create' | 'update' | 'delete' | 'resume';

/** What arbitrary (non-kopf) errors of a handler mean. */
export type ErrorsMode = 'temporary' | 'permanent' | 'ignored';

/** Everything a change handler is called with, before the API layer types it. */
export interface ChangeKwargs extends ObjectArgs {
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
  /**
   * Kopf's `patch.fns`: functions that change a copy of the latest body in place; the difference is
   * sent as a JSON-patch after the merge-patch. Not enumerable, so the merge-patch never contains it.
   */
  readonly fns: PatchFn[];
  [key: string]: unknown;
}

/** A transformation of the object: changes the (copied) body it is given in place (bivariant, see api/types.ts). */
export type PatchFn = { transform(body: KubernetesObject): void }['transform'];

/** What each attempt adds to a handler's arguments (any kind of handler). */
export type AttemptKwargs = Pick<ChangeKwargs, 'retry' | 'started' | 'runtime' | 'param'>;

/** The arguments of filter callbacks (`when`, and callbacks in `labels`, `annotations`, `value`, ...). */
export type FilterKwargs = Omit<ChangeKwargs, keyof AttemptKwargs>;

/** A handler function of a kind whose arguments are `Kwargs` (plus the attempt's). */
export type HandlerFn<Kwargs> = (kwargs: Kwargs & AttemptKwargs) => unknown;

/** A change handler's function. */
export type RawHandlerFn = HandlerFn<FilterKwargs>;

/**
 * The arguments of the per-object handlers that are not change handlers (event, timer, daemon,
 * index): the object's fields, `patch`, `logger`, `memo`, `resource`, `signal` — no `reason`/`diff`.
 */
export type ResourceKwargs = Omit<FilterKwargs, 'reason' | 'diff' | 'old' | 'new'>;

/** `kopf.on.event` handlers: the resource arguments plus the raw event. */
export interface EventKwargs extends ResourceKwargs {
  event: WatchEvent;
  type: WatchEvent['type'];
}

/** Daemons and timers: the resource arguments (live views) plus the stop flag. */
export interface SpawnKwargs extends ResourceKwargs {
  stopped: DaemonStopped;
}

/** What every activity handler receives besides the attempt's arguments. */
export interface ActivityKwargs {
  activity: Activity;
  settings: OperatorSettings;
  memo: Record<string, unknown>;
  logger: Logger;
  signal: AbortSignal;
}

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

/** How a handler's attempts are retried and bounded: one policy for every kind of handler. Times in seconds. */
export interface AttemptOptions {
  /** At most this many attempts. */
  retries?: number;
  /** Give up this many seconds after the first attempt; a running attempt is cut then (its `signal` aborts). */
  timeout?: number;
  /** Delay before retrying after an arbitrary error (default `settings.execution.defaultBackoff`). */
  backoff?: number;
  /** What arbitrary errors mean: retry (`'temporary'`, default), fail (`'permanent'`) or ignore. */
  errors?: ErrorsMode;
  /** Passed to the handler as `param`. */
  param?: unknown;
}

/** The attempt policy as a registered handler holds it (every key present). */
export interface AttemptPolicy {
  errors: ErrorsMode | undefined;
  retries: number | undefined;
  timeout: number | undefined;
  backoff: number | undefined;
  param: unknown;
}

/** The attempt policy of a registration's options. */
export function attemptPolicy(options: AttemptOptions): AttemptPolicy {
  const { errors, retries, timeout, backoff, param } = options;
  return { errors, retries, timeout, backoff, param };
}

/** A change handler: `on.create/update/delete/resume/field`. */
export interface ChangingHandler extends HandlerFilters, AttemptPolicy {
  id: string;
  fn: HandlerFn<FilterKwargs>;
  selector: HandlerSelector;
  /** `undefined` for resume (any reason, initial only) and field handlers (create/update with a change). */
  reason: Reason | undefined;
  /** `on.field` and `on.update` with `field`: fires only when the field changed. */
  requiresChange: boolean;
  /** Resume handlers: only for objects first seen by the initial listing. */
  initial: boolean;
  /** Resume handlers: also for objects being deleted. */
  deleted: boolean;
  /** Non-optional delete handlers block deletion with a finalizer. */
  requiresFinalizer: boolean;
}

/** Operator-level handlers (`kopf.on.startup/cleanup/login/probe`): no resource, no object. */
export type Activity = 'startup' | 'cleanup' | 'login' | 'probe';

/** An activity handler as registered (the API layer types its arguments and result). */
export interface ActivityHandler extends AttemptPolicy {
  id: string;
  activity: Activity;
  fn: HandlerFn<ActivityKwargs>;
}

/** What running a handler once needs to know about it (any kind, called with `Kwargs`). */
export interface ExecutableHandler<Kwargs> extends AttemptPolicy {
  id: string;
  fn: HandlerFn<Kwargs>;
}

/** Options common to the per-object handlers that are not change handlers (retries and filters). */
export interface ResourceHandlerBase<Kwargs> extends HandlerFilters, AttemptPolicy {
  id: string;
  fn: HandlerFn<Kwargs>;
  selector: HandlerSelector;
}

/**
 * `kopf.on.event`: every raw watch event; no persistence, errors are logged and ignored. (Kopf calls
 * them "watching" handlers; here they are named after what they get, so that they do not share a
 * name with the watch streams of `runtime/watching/`.)
 */
export interface RawEventHandler extends ResourceHandlerBase<EventKwargs> {
  kind: 'event';
}

/** `kopf.timer` and `kopf.daemon`: one background task per object; times in seconds. */
export interface SpawningHandler extends ResourceHandlerBase<SpawnKwargs> {
  kind: 'timer' | 'daemon';
  /** Seconds to sleep once before the first invocation, or a function of the task's arguments. */
  initialDelay: number | ((kwargs: SpawnKwargs) => number) | undefined;
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
export interface IndexingHandler extends ResourceHandlerBase<ResourceKwargs> {
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

/** What an admission handler is called with (the API layer types it as `AdmissionArgs`). */
export interface WebhookKwargs extends Omit<FilterKwargs, 'reason' | 'old' | 'new'> {
  dryrun: boolean;
  userinfo: UserInfo;
  headers: Record<string, string>;
  sslpeer: Record<string, unknown>;
  warnings: string[];
  operation: AdmissionOperation;
  subresource: string | undefined;
  old: KubernetesObject | undefined;
  new: KubernetesObject | undefined;
  param: unknown;
}

/** `kopf.on.validate` / `kopf.on.mutate`: admission webhooks, called by the API server per request. */
export interface WebhookHandler extends HandlerFilters {
  id: string;
  fn: (kwargs: WebhookKwargs) => unknown;
  selector: ResourceSelector;
  reason: 'validating' | 'mutating';
  /** Only requests with one of these operations; `undefined`: all. */
  operations: readonly AdmissionOperation[] | undefined;
  /** `undefined`: the main resource only; `'*'`: any subresource too; else exactly this subresource. */
  subresource: string | undefined;
  /** Keep this webhook in the managed configuration when the operator exits. */
  persistent: boolean;
  /** The handler has side effects beyond its answer: `sideEffects: NoneOnDryRun` (it must honour `dryrun`). */
  sideEffects: boolean;
  /** Admit when the handler fails, times out, or the operator is unreachable (`failurePolicy: Ignore`). */
  ignoreFailures: boolean;
  /** Seconds the API server waits for the answer (1–30); the handler is cut shortly before. */
  timeout: number;
  param: unknown;
}
