/**
 * Operator-level handlers ("activities"): `kopf.on.startup`, `kopf.on.cleanup`, `kopf.on.login`,
 * `kopf.on.probe`. The reactor runs them (`reactor/activities.ts`).
 *
 * @example
 * ```ts
 * kopf.on.startup(function configure({ settings, memo }) {
 *   settings.posting.level = 'warning';
 *   memo.cache = new Map();
 * });
 * ```
 */
import type { Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { attemptPolicy, type Activity, type AttemptOptions } from '../processing/handlers.ts';
import { defaultRegistry, type Registry } from '../processing/registry.ts';
import type { ConnectionInfo } from '../reactor/credentials.ts';
import { validateOptions } from './options.ts';

export { ActivityError } from '../reactor/activities.ts';

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
export interface ActivityOptions extends AttemptOptions {
  /** Handler id; defaults to the function's name (anonymous functions need one). */
  id?: string;
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

function register(activity: Activity, fn: (args: ActivityArgs) => unknown, options: ActivityOptions): void {
  if (typeof fn !== 'function') throw new TypeError(`A handler must be a function, got ${typeof fn}.`);
  const id = options.id ?? fn.name;
  if (!id) throw new TypeError(`An anonymous ${activity} handler needs an \`id\` option.`);
  validateOptions(activity, id, options);
  (options.registry ?? defaultRegistry()).addActivity({
    id,
    activity,
    fn,
    ...attemptPolicy(options),
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
