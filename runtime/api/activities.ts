/**
 * Operator-level handlers ("activities"): `kopf.on.startup`, `kopf.on.cleanup`, `kopf.on.login`,
 * `kopf.on.probe`, and the runner that executes them with Kopf's retry semantics.
 *
 * @example
 * ```ts
 * kopf.on.startup(function configure({ settings, memo }) {
 *   settings.posting.level = 'warning';
 *   memo.cache = new Map();
 * });
 * ```
 */
import { sleep } from '../client/timing.ts';
import {
  HandlerRetriesError,
  HandlerTimeoutError,
  PermanentError,
  TemporaryError,
} from '../structs/errors.ts';
import { getLogger, type Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { Activity, ActivityHandler, ErrorsMode, Registry } from '../processing/handlers.ts';
import type { ConnectionInfo } from './credentials.ts';
import { defaultRegistry } from './registry.ts';

/** What every activity handler receives. */
export interface ActivityArgs {
  /** Which activity runs: `'startup'`, `'cleanup'`, `'login'` or `'probe'`. */
  activity: Activity;
  /** The operator's settings; startup handlers may change them before anything is watched. */
  settings: OperatorSettings;
  /** The operator's memo (not a copy): what startup puts here, every object's `memo` starts with. */
  memo: Record<string, unknown>;
  logger: Logger;
  /** 0-based attempt number. */
  retry: number;
  /** When the first attempt started. */
  started: Date;
  /** Seconds since `started`. */
  runtime: number;
  /** The `param` option of the registration. */
  param: unknown;
  /** Aborted when the operator stops. */
  signal: AbortSignal;
}

/** Options of activity handlers. Times are in seconds. */
export interface ActivityOptions {
  /** Handler id; defaults to the function's name (anonymous functions need one). */
  id?: string;
  /** What arbitrary errors mean (default `'temporary'`: retried after `backoff`). */
  errors?: ErrorsMode;
  /** At most this many attempts. */
  retries?: number;
  /** Give up this many seconds after the first attempt. */
  timeout?: number;
  /** Delay before retrying after an arbitrary error (default `settings.execution.defaultBackoff`). */
  backoff?: number;
  /** Passed to the handler as `param`. */
  param?: unknown;
  /** Register here instead of the default registry. */
  registry?: Registry;
}

export type StartupHandler = (args: ActivityArgs) => unknown;
export type CleanupHandler = (args: ActivityArgs) => unknown;
/** Returns the credentials to use instead of the kubeconfig (or nothing, to pass). */
export type LoginHandler = (
  args: ActivityArgs,
) => ConnectionInfo | undefined | null | Promise<ConnectionInfo | undefined | null>;
/** Returns anything JSON-serialisable; served as `{ [id]: result }` by the liveness endpoint. */
export type ProbeHandler = (args: ActivityArgs) => unknown;

function register(activity: Activity, fn: (args: never) => unknown, options: ActivityOptions): void {
  if (typeof fn !== 'function') throw new TypeError(`A handler must be a function, got ${typeof fn}.`);
  const id = options.id ?? fn.name;
  if (!id) throw new TypeError(`An anonymous ${activity} handler needs an \`id\` option.`);
  (options.registry ?? defaultRegistry()).addActivity({
    id,
    activity,
    fn,
    errors: options.errors,
    retries: options.retries,
    timeout: options.timeout,
    backoff: options.backoff,
    param: options.param,
  });
}

/** Run before anything is watched; the operator starts only when all startup handlers succeeded. */
export function startup<H extends StartupHandler>(handler: H, options: ActivityOptions = {}): H {
  register('startup', handler, options);
  return handler;
}

/** Run after watching has stopped, before `kopf.operator()` resolves. */
export function cleanup<H extends CleanupHandler>(handler: H, options: ActivityOptions = {}): H {
  register('cleanup', handler, options);
  return handler;
}

/** Provide credentials (used instead of the kubeconfig); the highest `priority` wins. */
export function login<H extends LoginHandler>(handler: H, options: ActivityOptions = {}): H {
  register('login', handler, options);
  return handler;
}

/** Report something on the liveness endpoint (recomputed at most every 10 s). */
export function probe<H extends ProbeHandler>(handler: H, options: ActivityOptions = {}): H {
  register('probe', handler, options);
  return handler;
}

/** Some activity handlers failed for good (permanently, or out of retries/time). */
export class ActivityError extends Error {
  readonly failures: ReadonlyMap<string, Error>;
  constructor(activity: Activity, failures: ReadonlyMap<string, Error>) {
    const list = [...failures].map(([id, error]) => `'${id}': ${error.message}`).join('; ');
    super(`The ${activity} activity failed: ${list}`);
    this.name = 'ActivityError';
    this.failures = failures;
  }
}

export interface ActivityContext {
  settings: OperatorSettings;
  memo: Record<string, unknown>;
  signal: AbortSignal;
}

interface Attempts {
  retries: number;
  started: Date;
  /** Epoch ms of the next attempt. */
  due: number;
}

/**
 * Run all handlers of an activity (all at once) until each succeeds or fails for good; retry the
 * others after their delays. Resolves with the results by handler id; rejects with
 * {@link ActivityError} if any failed for good. Stops retrying (and resolves) when `signal` aborts.
 */
export async function runActivity(
  registry: Registry,
  activity: Activity,
  context: ActivityContext,
): Promise<Map<string, unknown>> {
  const logger = getLogger('kopf.activities');
  const results = new Map<string, unknown>();
  const failures = new Map<string, Error>();
  const pending = new Map<ActivityHandler, Attempts>();
  for (const handler of registry.activities) {
    if (handler.activity === activity) pending.set(handler, { retries: 0, started: new Date(), due: 0 });
  }
  while (pending.size && !context.signal.aborted) {
    const due = [...pending].filter(([, attempts]) => attempts.due <= Date.now());
    await Promise.all(
      due.map(async ([handler, attempts]) => {
        const outcome = await invokeOnce(handler, attempts, context, logger);
        if ('delay' in outcome) {
          attempts.retries++;
          attempts.due = Date.now() + outcome.delay * 1000;
          return;
        }
        pending.delete(handler);
        if ('error' in outcome) failures.set(handler.id, outcome.error);
        else results.set(handler.id, outcome.result);
      }),
    );
    if (!pending.size) break;
    const next = Math.min(...[...pending.values()].map((a) => a.due));
    await sleep(Math.max(0, (next - Date.now()) / 1000), context.signal).catch(() => undefined);
  }
  if (failures.size) throw new ActivityError(activity, failures);
  return results;
}

type AttemptOutcome = { result: unknown } | { error: Error } | { delay: number };

async function invokeOnce(
  handler: ActivityHandler,
  attempts: Attempts,
  context: ActivityContext,
  logger: Logger,
): Promise<AttemptOutcome> {
  const title = `Activity '${handler.id}'`;
  const runtime = (Date.now() - attempts.started.getTime()) / 1000;
  const backoff = handler.backoff ?? context.settings.execution.defaultBackoff;
  try {
    if (handler.timeout !== undefined && runtime >= handler.timeout) {
      throw new HandlerTimeoutError(`${title} has timed out after ${runtime.toFixed(3)} seconds.`);
    }
    if (handler.retries !== undefined && attempts.retries >= handler.retries) {
      throw new HandlerRetriesError(`${title} has exceeded ${attempts.retries} retries.`);
    }
    const args: ActivityArgs = {
      activity: handler.activity,
      settings: context.settings,
      memo: context.memo,
      logger,
      retry: attempts.retries,
      started: attempts.started,
      runtime,
      param: handler.param,
      signal: context.signal,
    };
    const result = await (handler.fn as (args: ActivityArgs) => unknown)(args);
    logger.info(`${title} succeeded.`);
    return { result };
  } catch (error) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    if (error instanceof PermanentError) {
      logger.error(`${title} failed permanently: ${message}`);
      return { error };
    }
    if (error instanceof TemporaryError) {
      logger.error(`${title} failed temporarily: ${message}`);
      return { delay: error.delay };
    }
    const wrapped = error instanceof Error ? error : new Error(message);
    const mode = handler.errors ?? 'temporary';
    if (mode === 'ignored') {
      logger.exception(`${title} failed with an exception and will ignore it: ${message}`, error);
      return { result: undefined };
    }
    if (mode === 'permanent') {
      logger.exception(`${title} failed with an exception and will stop now: ${message}`, error);
      return { error: wrapped };
    }
    logger.exception(
      `${title} failed with an exception and will try again in ${backoff} seconds: ${message}`,
      error,
    );
    return { delay: backoff };
  }
}
