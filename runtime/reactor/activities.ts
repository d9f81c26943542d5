/**
 * Running the operator-level handlers ("activities": startup, cleanup, login, probe) with Kopf's
 * retry semantics, through the same executor as every other handler; and the three ways the
 * operator uses them: logging in, cleaning up after the stop, answering the liveness probe.
 */
import { loadKubeConfig, type KubeConfigLike } from '../client/kubeconfig.ts';
import { describeError } from '../structs/errors.ts';
import { getLogger } from '../structs/logging.ts';
import { freshState } from '../structs/progress.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { sleep } from '../structs/timing.ts';
import { executeOnce } from '../processing/execution.ts';
import type { Activity, ActivityHandler } from '../processing/handlers.ts';
import { Registry } from '../processing/registry.ts';
import { bestConnection, LoginKubeConfig, type ConnectionInfo } from './credentials.ts';

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

/** What activities share with the operator: its settings, its memo, its stop signal. */
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
    if (handler.activity === activity) pending.set(handler, { ...freshState(undefined), due: 0 });
  }
  const kwargs = { activity, settings: context.settings, memo: context.memo, logger, signal: context.signal };
  while (pending.size && !context.signal.aborted) {
    const due = [...pending].filter(([, attempts]) => attempts.due <= Date.now());
    await Promise.all(
      due.map(async ([handler, attempts]) => {
        const outcome = await executeOnce({
          handler,
          state: attempts,
          kwargs,
          logger,
          defaultBackoff: context.settings.execution.defaultBackoff,
          title: `Activity '${handler.id}'`,
        });
        if (!outcome.final) {
          attempts.retries++;
          attempts.due = Date.now() + (outcome.delay ?? 0) * 1000;
          return;
        }
        pending.delete(handler);
        if (outcome.error) failures.set(handler.id, outcome.error);
        else results.set(handler.id, outcome.result);
      }),
    );
    if (!pending.size) break;
    const next = Math.min(...[...pending.values()].map((a) => a.due));
    await sleep(Math.max(0, (next - Date.now()) / 1000), context.signal);
  }
  if (failures.size) throw new ActivityError(activity, failures);
  return results;
}

/**
 * The cluster to talk to: the best credentials of the `kopf.on.login` handlers if there are any
 * (failing if none gives credentials), else the given kubeconfig, else the default one.
 */
export async function login(
  registry: Registry,
  context: ActivityContext,
  kubeConfig: KubeConfigLike | undefined,
): Promise<KubeConfigLike> {
  if (!registry.activities.some((h) => h.activity === 'login')) return kubeConfig ?? loadKubeConfig();
  const logIn = async (): Promise<ConnectionInfo> => {
    const results = await runActivity(registry, 'login', context);
    const connection = bestConnection(results.values());
    if (!connection) throw new Error('No login handler returned credentials (kopf.on.login).');
    getLogger('kopf.activities').info(
      `Logged in to ${connection.server} with the login handlers' credentials.`,
    );
    return connection;
  };
  return new LoginKubeConfig(await logIn(), logIn);
}

/** Cleanup handlers run after the stop, so they get a signal of their own, bounded by the grace period. */
export async function runCleanup(registry: Registry, context: ActivityContext): Promise<void> {
  const signal = AbortSignal.timeout(context.settings.process.gracefulShutdownTimeout * 1000);
  try {
    await runActivity(registry, 'cleanup', { ...context, signal });
  } catch (error) {
    getLogger('kopf.activities').error(describeError(error));
  }
}

/** All probes once, without retries: a failing probe fails the liveness request. */
export async function runProbes(registry: Registry, context: ActivityContext): Promise<Map<string, unknown>> {
  const probes = new Registry();
  for (const handler of registry.activities) {
    if (handler.activity === 'probe') probes.addActivity({ ...handler, errors: 'permanent', retries: 1 });
  }
  return runActivity(probes, 'probe', context);
}
