/**
 * `kopf.timer` and `kopf.daemon`: per-object background tasks. Both keep a finalizer on matching
 * objects, so an object's deletion waits until its tasks have stopped.
 *
 * @example
 * ```ts
 * kopf.timer(examples, async function checkFn({ spec, patch }) {
 *   patch.status.checked = new Date().toISOString(); // applied right after each call
 * }, { interval: 60 });
 *
 * kopf.daemon(examples, async function monitorFn({ name, stopped, logger }) {
 *   while (!stopped.aborted) {
 *     logger.info(`${name} is alive`);
 *     await stopped.wait(10);
 *   }
 * });
 * ```
 */
import type { DaemonStopped, StopReason } from '../processing/stopping.ts';
import { attemptPolicy, type SpawningHandler, type SpawnKwargs } from '../processing/handlers.ts';
import { validateFilters, type CommonOptions } from './filtering.ts';
import { defaultRegistry } from '../processing/registry.ts';
import type { ChangeArgs, ResourceArg } from './types.ts';

export type { DaemonStopped, StopReason };

/**
 * What timers and daemons receive: the resource handlers' arguments (no `reason`/`diff`/`old`/`new`),
 * plus `stopped`. `body`, `spec`, `status` and `meta` are live views: they always show the latest
 * state of the object, even in a daemon that runs for days. `signal` aborts when the task is stopped.
 */
export interface SpawnArgs<Spec = Record<string, unknown>, Status = Record<string, unknown>> extends Omit<
  ChangeArgs<Spec, Status>,
  'reason' | 'diff' | 'old' | 'new'
> {
  /** Set when the task should end: `aborted`, `reason`, `await stopped.wait(seconds)`. */
  stopped: DaemonStopped;
}

/** A timer or daemon function. Its result (if not `undefined`) goes to `status.<id>`. */
export type SpawnHandler<Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: SpawnArgs<Spec, Status>,
) => unknown;

/**
 * Seconds, or a function returning seconds: called once at the task's start with the handler's
 * arguments, except the attempt's (`retry`, `started`, `runtime`, `param`), as Kopf's callable
 * `initial_delay`.
 */
export type InitialDelay<Spec = Record<string, unknown>, Status = Record<string, unknown>> =
  number | ((args: Omit<SpawnArgs<Spec, Status>, 'retry' | 'started' | 'runtime' | 'param'>) => number);

/** Options of timers. Times are in seconds. */
export interface TimerOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends CommonOptions<Spec, Status> {
  /** Seconds between invocations (after each one ends; see `sharp`). */
  interval?: number;
  /**
   * Sleep this long once before the first invocation; or a function of the timer's arguments that
   * returns the seconds (e.g. to spread the timers of many objects).
   */
  initialDelay?: InitialDelay<Spec, Status>;
  /** Invoke only when the object had no essential change (spec, labels, ...) for this long. */
  idle?: number;
  /** Keep a grid: sleep to the next multiple of `interval` since the invocation began. */
  sharp?: boolean;
}

/** Options of daemons. Times are in seconds. */
export interface DaemonOptions<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends CommonOptions<Spec, Status> {
  /** Sleep this long once before starting; or a function of the daemon's arguments that returns the seconds. */
  initialDelay?: InitialDelay<Spec, Status>;
  /** After being stopped (the object is deleted), how long to just wait for the daemon to exit. */
  cancellationBackoff?: number;
  /**
   * After the backoff, how much longer to wait before abandoning the daemon (it keeps running, but
   * the object is released). Without it, deletion waits for the daemon forever.
   */
  cancellationTimeout?: number;
  /** Without a timeout: how often to check whether the daemon has exited (default `settings.background.cancellationPolling`). */
  cancellationPolling?: number;
}

type Untyped = Record<string, unknown>;

/**
 * Run `handler` periodically for every matching object (from the moment it has the finalizer until
 * it is deleted or stops matching). Each call's `patch` and result are applied right after it.
 * Errors retry after their delay (`TemporaryError`) or `backoff` instead of the interval. A
 * `PermanentError` stops the timer for that object (until the operator restarts), as Kopf's
 * documentation says.
 */
export function timer<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: SpawnHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: TimerOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): SpawnHandler<Spec, Status> {
  spawn('timer', resource, handler, options, {
    interval: options.interval,
    idle: options.idle,
    sharp: options.sharp,
  });
  return handler;
}

/**
 * Run `handler` as one long-lived task per matching object. It should end when `stopped` is set
 * (the object is deleted or stops matching, or the operator exits). It is re-invoked after errors
 * (after their delay or `backoff`); once it returns on its own or fails permanently, it is not
 * started again for that object until the operator restarts. Deletion of the object waits for it
 * (see `cancellationTimeout`).
 */
export function daemon<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: SpawnHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: DaemonOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): SpawnHandler<Spec, Status> {
  spawn('daemon', resource, handler, options, {
    cancellationBackoff: options.cancellationBackoff,
    cancellationTimeout: options.cancellationTimeout,
    cancellationPolling: options.cancellationPolling,
  });
  return handler;
}

function spawn(
  kind: 'timer' | 'daemon',
  resource: ResourceArg<unknown, unknown>,
  fn: SpawnHandler<never, never>,
  options: CommonOptions<never, never> & { initialDelay?: InitialDelay<never, never> },
  extra: Partial<SpawningHandler>,
): void {
  const base = validateFilters<SpawnKwargs>(kind, resource, fn, options);
  (options.registry ?? defaultRegistry()).addSpawning({
    ...base,
    ...extra,
    kind,
    // Typed on the API's side (like `fn`); the processing layer calls it with untyped arguments.
    initialDelay: options.initialDelay as SpawningHandler['initialDelay'],
    ...attemptPolicy(options),
  });
}
