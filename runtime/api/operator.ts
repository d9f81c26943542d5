/**
 * `kopf.operator()`: run the handlers of a registry until a signal aborts. Runs the startup handlers,
 * logs in (login handlers, else the kubeconfig), resolves resource names through discovery, starts
 * one watch stream + per-object queues per (resource, namespace) through the watching layer, and
 * processes every object's events with the processing layer; CRDs appearing or disappearing later
 * start or stop their resources' watchers. On abort it stops taking events, lets running handlers
 * finish (up to `settings.process.gracefulShutdownTimeout`), persists their outcome, runs the cleanup
 * handlers, and resolves.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const running = kopf.operator({ namespaces: ['default'], signal: stop.signal });
 * // ... later:
 * stop.abort();
 * await running;
 * ```
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { ResourceInfo } from '../../common/resources.ts';
import { createApiClient } from '../client/api.ts';
import { resolveResource, ResourceResolutionError } from '../client/discovery.ts';
import { loadKubeConfig } from '../client/kubeconfig.ts';
import { sleep } from '../client/timing.ts';
import type { ApiClient } from '../client/types.ts';
import { getLogger } from '../structs/logging.ts';
import { makeSettings, type OperatorSettings, type SettingsOverrides } from '../structs/settings.ts';
import { isLiteralNamespace, literalNamespaces } from '../watching/namespaces.ts';
import { observeNamespaces } from '../watching/namespace-observer.ts';
import { startWatcher, type Watcher } from '../watching/watcher.ts';
import { Registry, selectorKey, type ChangingHandler } from '../processing/handlers.ts';
import { IndexingGate } from '../processing/indexing.ts';
import { Spawner } from '../processing/spawning.ts';
import { emptyKinds, perObjectHandlers, type PerObjectKinds } from './kinds.ts';
import { startPoster } from '../processing/posting.ts';
import { createProcessor, type ProcessingStats } from '../processing/processor.ts';
import { runActivity, type ActivityContext } from './activities.ts';
import { bestConnection, LoginKubeConfig, type ConnectionInfo } from './credentials.ts';
import { observeDefinitions } from './discovery.ts';
import { addStreamSource, type MeteredStream } from './metrics.ts';
import { startHealthServer } from './probing.ts';
import { defaultRegistry } from './registry.ts';

export interface OperatorOptions {
  /** The handlers to serve (default: the global registry `kopf.on.*` registers into). */
  registry?: Registry;
  /** Namespace patterns (`-n`): names, globs (`*`, `?`), negations (`!`), comma-separated lists. */
  namespaces?: string[];
  /** Serve all namespaces with one stream per resource (`-A`). Also the default without `namespaces`. */
  clusterwide?: boolean;
  /** Run without peering. Peering is not implemented yet: every operator runs standalone. */
  standalone?: boolean;
  /** Overrides of Kopf's default settings (or complete settings). */
  settings?: SettingsOverrides | OperatorSettings;
  /** Stops the operator when aborted; the returned promise then resolves. */
  signal?: AbortSignal;
  /** The cluster to talk to (default: `$KUBECONFIG`, `~/.kube/config`, or in-cluster). */
  kubeConfig?: KubeConfig;
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

/**
 * Run an operator until `signal` aborts. Rejects only for start-up problems (e.g. a startup or login
 * handler failing permanently, or timers registered).
 */
export async function operator(options: OperatorOptions = {}): Promise<void> {
  const logger = getLogger('kopf.operator');
  const registry = options.registry ?? defaultRegistry();
  const settings = makeSettings(options.settings as SettingsOverrides | undefined);
  const signal = options.signal ?? new AbortController().signal;
  if (signal.aborted) return;

  const memo = options.memo ?? {};
  const activityContext: ActivityContext = { settings, memo, signal };
  const liveness = options.liveness
    ? await startHealthServer({
        endpoint: options.liveness,
        probe: async () => Object.fromEntries(await runProbes(registry, activityContext)),
      })
    : undefined;
  let client: ApiClient & Partial<{ close(): void }>;
  try {
    // Startup handlers may change the settings and the memo before anything is watched.
    await runActivity(registry, 'startup', activityContext);
    if (signal.aborted) throw new StoppedEarly();
    client = createApiClient(await login(registry, activityContext, options.kubeConfig), settings);
  } catch (error) {
    await liveness?.close();
    if (error instanceof StoppedEarly) return;
    throw error;
  }
  const poster = startPoster(client, settings);
  const streams = new Set<MeteredStream>();
  const unmeter = addStreamSource(() => streams);
  try {
    const served = await resolveHandlers(client, allHandlers(registry), signal);
    // Indexes start empty in every run; resource handlers wait until all of them are populated.
    for (const indexer of registry.indexing) indexer.store.clear();
    const gate = new IndexingGate();
    const spawners: Spawner[] = [];
    if (served.size === 0) logger.warning('No resources are served: nothing to do until stopped.');
    const patterns = options.clusterwide || !options.namespaces?.length ? undefined : options.namespaces;
    if (!options.clusterwide && !options.namespaces?.length) {
      logger.warning('No namespaces are given and `clusterwide` is not set: serving all namespaces.');
    }
    // One entry per served resource; resources come and go with their CRDs (run-time discovery).
    const serving = new Map<string, { resource: ResourceInfo; stop: AbortController; done: Promise<void> }>();
    const retired: Promise<void>[] = [];
    const serve = ({ resource, handlers, kinds }: ServedResource, stopped: AbortSignal): Promise<void> => {
      const running: Promise<void>[] = [];
      const spawner = kinds.spawning.length
        ? new Spawner({ client, resource, settings, handlers: kinds.spawning })
        : undefined;
      if (spawner) spawners.push(spawner);
      const processor = createProcessor({
        client,
        resource,
        handlers,
        settings,
        memo,
        signal,
        ...(options.stats ? { stats: options.stats } : {}),
        watching: kinds.watching,
        indexing: kinds.indexing,
        gate,
        ...(spawner ? { spawner } : {}),
      });
      const start = (namespace: string | undefined, stop: AbortSignal): Watcher => {
        const listing = `${resource.plural}.${resource.group}@${namespace ?? '*'}`;
        if (kinds.indexing.length) gate.expect(listing);
        const onListed = () => gate.listed(listing);
        const watcher = startWatcher({
          client,
          resource,
          namespace,
          settings,
          processor,
          signal: stop,
          ...(kinds.indexing.length ? { onListed } : {}),
        });
        const metered = { resource, namespace, stats: watcher.stats };
        streams.add(metered);
        void watcher.done.finally(() => streams.delete(metered));
        return watcher;
      };
      if (!resource.namespaced || patterns === undefined) {
        running.push(start(undefined, stopped).done);
      } else {
        running.push(serveNamespaces(client, patterns, settings, stopped, start));
      }
      return Promise.all(running).then(async () => {
        // A resource that went away (its CRD was deleted) stops its daemons now; at the operator's
        // stop, all spawners are stopped together below.
        if (spawner && !signal.aborted) await spawner.stopAll(settings.process.gracefulShutdownTimeout);
      });
    };
    const startServing = (id: string, entry: ServedResource): void => {
      const stop = new AbortController();
      const done = serve(entry, AbortSignal.any([signal, stop.signal]));
      serving.set(id, { resource: entry.resource, stop, done });
    };
    for (const [id, entry] of served) startServing(id, entry);
    const discovery =
      settings.scanning.disabled || allHandlers(registry).length === 0
        ? Promise.resolve()
        : observeDefinitions({
            client,
            settings,
            signal,
            onChange: async (deleted) => {
              const now = await resolveHandlers(client, allHandlers(registry), signal, { quiet: true });
              if (signal.aborted) return;
              for (const [id, entry] of now) {
                if (serving.has(id)) continue;
                logger.info(`Resource ${id} appeared: serving it.`);
                startServing(id, entry);
              }
              for (const [id, current] of serving) {
                // Only a deleted CRD ends serving (discovery may be incomplete for a moment); while
                // discovery still lists it, the follow-up rescan drops it.
                const definition = `${current.resource.plural}.${current.resource.group}`;
                if (now.has(id) || !deleted.has(definition)) continue;
                logger.info(`Resource ${id} is gone: no longer serving it.`);
                deleted.delete(definition);
                current.stop.abort();
                serving.delete(id);
                retired.push(current.done);
              }
            },
          });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('Stop is requested; letting running handlers finish.');
    // Daemons and timers are stopped in memory (their objects keep the finalizer), within the grace.
    const grace = settings.process.gracefulShutdownTimeout;
    await Promise.all([
      discovery,
      ...[...serving.values()].map((entry) => entry.done),
      ...retired,
      ...spawners.map((spawner) => spawner.stopAll(grace)),
    ]);
    await runCleanup(registry, activityContext);
  } finally {
    // Queued events get a moment to be posted; an unreachable API must not hold up the exit.
    await Promise.race([poster.close(), sleep(Math.min(5, settings.process.gracefulShutdownTimeout))]);
    await liveness?.close();
    unmeter();
    client.close?.();
    logger.info('The operator has stopped.');
  }
}

/** Stopped while the startup handlers were still being retried: nothing was started yet. */
class StoppedEarly extends Error {}

interface ServedResource {
  resource: ResourceInfo;
  handlers: ChangingHandler[];
  /** Event, index, timer and daemon handlers. */
  kinds: PerObjectKinds;
}

/** Every handler that names a resource. */
function allHandlers(registry: Registry): Parameters<typeof resolveHandlers>[1] {
  return [...registry.changing, ...perObjectHandlers(registry)];
}

/** Resolve every handler's resource; handlers of selectors naming the same resource are served together. */
async function resolveHandlers(
  client: ApiClient,
  handlers: readonly (ChangingHandler | PerObjectKinds[keyof PerObjectKinds][number])[],
  signal: AbortSignal,
  options: { quiet?: boolean } = {},
): Promise<Map<string, ServedResource>> {
  const resolved = new Map<string, ResourceInfo | undefined>();
  const served = new Map<string, ServedResource>();
  for (const handler of handlers) {
    const key = selectorKey(handler.selector);
    if (!resolved.has(key))
      resolved.set(key, await resolveOrSkip(client, handler.selector, signal, options.quiet ?? false));
    const resource = resolved.get(key);
    if (!resource) continue;
    const id = `${resource.plural}.${resource.version}.${resource.group}`;
    const entry = served.get(id) ?? { resource, handlers: [], kinds: emptyKinds() };
    if (!('kind' in handler)) entry.handlers.push(handler);
    else if (handler.kind === 'event') entry.kinds.watching.push(handler);
    else if (handler.kind === 'index') entry.kinds.indexing.push(handler);
    else entry.kinds.spawning.push(handler);
    served.set(id, entry);
  }
  return served;
}

/**
 * Resolve one selector. A selector that matches nothing is logged and skipped (as in Kopf); trouble
 * reaching the API (after the client's own retries) is retried until it works or the operator stops,
 * so that an API server restart during start-up does not leave resources unserved.
 */
async function resolveOrSkip(
  client: ApiClient,
  selector: ChangingHandler['selector'],
  signal: AbortSignal,
  quiet: boolean,
): Promise<ResourceInfo | undefined> {
  const logger = getLogger('kopf.operator');
  const key = selectorKey(selector);
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      return await resolveResource(client, selector, { signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ResourceResolutionError) {
        // Rescans after CRD changes stay quiet: the start-up already said what is not served.
        if (quiet) return undefined;
        if (/ambiguous/.test(message)) {
          logger.error(`Ambiguous resource ${key} will not be served: ${message}`);
        } else {
          logger.error(
            `Unresolved resource ${key} cannot be served yet (it is served once its CRD appears): ${message}`,
          );
        }
        return undefined;
      }
      const delay = Math.min(30, 2 ** attempt);
      logger.warning(`Resolving ${key} failed; retrying in ${delay} s: ${message}`);
      await sleep(delay, signal);
    }
  }
  return undefined;
}

/** One watcher per served namespace: literal names directly, patterns through the namespace observer. */
async function serveNamespaces(
  client: ApiClient,
  patterns: readonly string[],
  settings: OperatorSettings,
  signal: AbortSignal,
  start: (namespace: string, stop: AbortSignal) => Watcher,
): Promise<void> {
  if (patterns.every(isLiteralNamespace)) {
    await Promise.all(literalNamespaces(patterns).map((ns) => start(ns, signal).done));
    return;
  }
  const watchers = new Map<string, { stop: AbortController; done: Promise<void> }>();
  await observeNamespaces({
    client,
    patterns,
    settings,
    signal,
    onChange(namespaces) {
      for (const [ns, watcher] of watchers) {
        if (!namespaces.has(ns)) {
          watcher.stop.abort();
          watchers.delete(ns);
        }
      }
      for (const ns of namespaces) {
        if (watchers.has(ns)) continue;
        const stop = new AbortController();
        const combined = AbortSignal.any([signal, stop.signal]);
        watchers.set(ns, { stop, done: start(ns, combined).done });
      }
    },
  });
  await Promise.all([...watchers.values()].map((w) => w.done));
}

/**
 * The cluster to talk to: the best credentials of the `kopf.on.login` handlers if there are any
 * (failing if none gives credentials), else the given kubeconfig, else the default one.
 */
async function login(
  registry: Registry,
  context: ActivityContext,
  kubeConfig: KubeConfig | undefined,
): Promise<KubeConfig> {
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
async function runCleanup(registry: Registry, context: ActivityContext): Promise<void> {
  const signal = AbortSignal.timeout(context.settings.process.gracefulShutdownTimeout * 1000);
  try {
    await runActivity(registry, 'cleanup', { ...context, signal });
  } catch (error) {
    getLogger('kopf.activities').error(error instanceof Error ? error.message : String(error));
  }
}

/** All probes once, without retries: a failing probe fails the liveness request. */
async function runProbes(registry: Registry, context: ActivityContext): Promise<Map<string, unknown>> {
  const probes = new Registry();
  for (const handler of registry.activities) {
    if (handler.activity === 'probe') probes.addActivity({ ...handler, errors: 'permanent', retries: 1 });
  }
  return runActivity(probes, 'probe', context);
}
