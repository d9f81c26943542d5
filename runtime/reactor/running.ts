/**
 * Running an operator (Kopf's `_core/reactor/running.py`): the liveness endpoint, the startup
 * handlers, the login, then the root tasks side by side until the stop signal; then the cleanup
 * handlers. Coordination (peering, leader election) frames the root tasks: it starts before and stops
 * after them, and pauses them meanwhile. The root tasks are listed in {@link ROOT_TASKS}: serving the
 * resources, the admission webhooks, and (sharded) the sharder.
 */
import { createApiClient, type ClosableApiClient } from '../client/api.ts';
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import { getLogger } from '../structs/logging.ts';
import { makeSettings, type OperatorSettings, type SettingsOverrides } from '../structs/settings.ts';
import { settingsError } from '../structs/settings-checks.ts';
import { sleep, untilAborted } from '../structs/timing.ts';
import { startPoster } from '../processing/posting.ts';
import type { ProcessingStats } from '../processing/processor.ts';
import { defaultRegistry, type Registry } from '../processing/registry.ts';
import { login, runActivity, runCleanup, runProbes, type ActivityContext } from './activities.ts';
import type { OperatorContext, RootTask } from './context.ts';
import { collectWhenIdle } from './idle-memory.ts';
import { LoginKubeConfig } from './credentials.ts';
import { startHealthServer } from './probing.ts';
import { startCoordination, type Coordination } from './coordination.ts';
import { serveResources } from './serving.ts';
import { serveAdmission } from './admission/engine.ts';
import { shardObjects } from './sharding/sharder.ts';

export interface OperatorOptions {
  /** The handlers to serve (default: the global registry `kopf.on.*` registers into). */
  registry?: Registry;
  /** Namespace patterns (`-n`): names, globs (`*`, `?`), negations (`!`), comma-separated lists. */
  namespaces?: string[];
  /** Serve all namespaces with one stream per resource (`-A`). Also the default without `namespaces`. */
  clusterwide?: boolean;
  /** Run without peering: sets `settings.peering.standalone` (as Kopf's `standalone=`). */
  standalone?: boolean;
  /**
   * This replica's identity among peers and as a Lease holder (`--id`). Default: `$POD_ID` or
   * `user@host/time/xyz` for peering (Kopf's), `$POD_NAME` or `host-pid` for Leases.
   */
  identity?: string | undefined;
  /** Overrides of Kopf's default settings (or complete settings). */
  settings?: SettingsOverrides | OperatorSettings;
  /** Stops the operator when aborted; the returned promise then resolves. */
  signal?: AbortSignal;
  /** The cluster to talk to (default: `$KUBECONFIG`, `~/.kube/config`, or in-cluster). */
  kubeConfig?: KubeConfigLike;
  /**
   * The operator's memo, given to activities (`kopf.on.startup`, ...) as is; every object's `memo`
   * starts as a shallow copy of it (after the startup handlers ran).
   */
  memo?: Record<string, unknown>;
  /**
   * Liveness endpoint, e.g. `http://0.0.0.0:8080/healthz`: answers with the `kopf.on.probe` results
   * as JSON while the operator runs; `/metrics` on the same server serves Prometheus metrics.
   */
  liveness?: string;
  /** Counters of processing cycles and PATCH requests (for measurements and tests). */
  stats?: ProcessingStats;
}

/** The engines that run side by side while the operator runs, each until the stop. */
export const ROOT_TASKS: readonly RootTask[] = [serveResources, serveAdmission, shardObjects];

/**
 * Run an operator until `options.signal` aborts. Rejects only for start-up problems (e.g. a startup
 * or login handler failing permanently) and failures of a root task.
 */
export function runOperator(options: OperatorOptions = {}): Promise<void> {
  return runWithSettings(options, makeSettings(options.settings));
}

/**
 * {@link runOperator} with a settings object the caller keeps: the startup handlers change this very
 * object, so the caller sees what they set (e.g. `settings.process.ultimateExitingTimeout`).
 */
export async function runWithSettings(options: OperatorOptions, settings: OperatorSettings): Promise<void> {
  const logger = getLogger('kopf.operator');
  const registry = options.registry ?? defaultRegistry();
  const signal = options.signal ?? new AbortController().signal;
  if (signal.aborted) return;

  if (options.standalone !== undefined) settings.peering.standalone = options.standalone;
  const memo = options.memo ?? {};
  const activityContext: ActivityContext = { settings, memo, signal };
  const liveness = options.liveness
    ? await startHealthServer({
        endpoint: options.liveness,
        probe: async () => Object.fromEntries(await runProbes(registry, activityContext)),
      })
    : undefined;
  let client: ClosableApiClient;
  let kubeConfig: KubeConfigLike;
  try {
    // Startup handlers may change the settings and the memo before anything is watched.
    await runActivity(registry, 'startup', activityContext);
    if (signal.aborted) throw new StoppedEarly();
    // Checked once they are final, so a bad value stops the start instead of every object's processing.
    const invalid = settingsError(settings);
    if (invalid) throw invalid;
    kubeConfig = await login(registry, activityContext, options.kubeConfig);
    client = createApiClient(kubeConfig, settings);
  } catch (error) {
    await liveness?.close();
    if (error instanceof StoppedEarly) return;
    throw error;
  }
  const poster = startPoster(client, settings);
  // After a burst, once the per-object workers have ended, the heap it grew is given back.
  const stopIdleCollector = collectWhenIdle({ quietSeconds: settings.queueing.idleTimeout + 1 });
  let coordination: Coordination | undefined;
  try {
    if (!options.clusterwide && !options.namespaces?.length) {
      logger.warning('No namespaces are given and `clusterwide` is not set: serving all namespaces.');
    }
    const failed = new AbortController();
    const namespaces = options.clusterwide || !options.namespaces?.length ? undefined : options.namespaces;
    // Peering and leader election pause and resume the root tasks' streams and daemons. They stop
    // only after the root tasks: no peer or standby takes over while our handlers still run.
    coordination = startCoordination({ client, settings, identity: options.identity, namespaces });
    let uncoordinated: { error: unknown } | undefined;
    void coordination.failure.catch((error: unknown) => {
      uncoordinated = { error };
      failed.abort(error);
    });
    // No valid credentials left (the login handlers gave rejected ones again): stop, do not loop.
    let loggedOut: { error: unknown } | undefined;
    if (kubeConfig instanceof LoginKubeConfig) {
      kubeConfig.onFailure = (error) => {
        logger.error(error.message);
        loggedOut ??= { error };
        failed.abort(error);
      };
    }
    const context: OperatorContext = {
      registry,
      settings,
      memo,
      client,
      namespaces,
      paused: coordination.paused,
      shard: coordination.shard,
      stats: options.stats,
      signal: AbortSignal.any([signal, failed.signal]),
    };
    // A failing root task stops the others: the operator is not whole without it.
    const tasks = ROOT_TASKS.map((task) =>
      task(context).catch((error: unknown) => {
        failed.abort(error);
        throw error;
      }),
    );
    await keepingAlive(untilAborted(context.signal));
    if (signal.aborted) logger.info('Stop is requested; letting running handlers finish.');
    const ended = await Promise.allSettled(tasks);
    await coordination.stop();
    await runCleanup(registry, activityContext);
    if (loggedOut) throw loggedOut.error;
    const failure = ended.find((end) => end.status === 'rejected');
    if (failure) throw failure.reason;
    if (uncoordinated) throw uncoordinated.error;
  } finally {
    await coordination?.stop();
    // Queued events get a moment to be posted; an unreachable API must not hold up the exit.
    await Promise.race([poster.close(), sleep(Math.min(5, settings.process.gracefulShutdownTimeout))]);
    await liveness?.close();
    stopIdleCollector();
    client.close();
    logger.info('The operator has stopped.');
  }
}

/**
 * Wait for `promise` with the process kept alive: an operator with nothing to watch (only startup or
 * cleanup handlers, or none at all) holds no sockets or timers, and Node would exit before the stop
 * signal (as Kopf, it must run until stopped, then run the cleanup handlers).
 */
async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 2 ** 30);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

/** Stopped while the startup handlers were still being retried: nothing was started yet. */
class StoppedEarly extends Error {}
