/**
 * `kopf.operator()`: run the handlers of a registry until a signal aborts. Resolves resource names
 * through discovery, starts one watch stream + per-object queues per (resource, namespace) through
 * the watching layer, and processes every object's events with the processing layer. On abort it
 * stops taking events, lets running handlers finish (up to `settings.process.gracefulShutdownTimeout`),
 * persists their outcome, and resolves.
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
import { createServer, type Server } from 'node:http';
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
import { selectorKey, type ChangingHandler, type Registry } from '../processing/handlers.ts';
import { startPoster } from '../processing/posting.ts';
import { createProcessor, type ProcessingStats } from '../processing/processor.ts';
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
  /** The operator's memo; every object's `memo` starts as a shallow copy of it. */
  memo?: Record<string, unknown>;
  /** Liveness endpoint, e.g. `http://0.0.0.0:8080/healthz`: answers 200 while the operator runs. */
  liveness?: string;
  /** Counters of processing cycles and PATCH requests (for measurements and tests). */
  stats?: ProcessingStats;
}

/** Run an operator until `signal` aborts. Rejects only for start-up problems (e.g. timers registered). */
export async function operator(options: OperatorOptions = {}): Promise<void> {
  const logger = getLogger('kopf.operator');
  const registry = options.registry ?? defaultRegistry();
  const settings = makeSettings(options.settings as SettingsOverrides | undefined);
  const signal = options.signal ?? new AbortController().signal;
  if (registry.spawning.length) {
    const names = registry.spawning.map((h) => `${h.kind} '${h.id}'`).join(', ');
    throw new Error(`kopf.timer and kopf.daemon are not implemented yet; remove them to run: ${names}.`);
  }
  if (signal.aborted) return;

  const kubeConfig = options.kubeConfig ?? loadKubeConfig();
  const client = createApiClient(kubeConfig, settings);
  const poster = startPoster(client, settings);
  const liveness = options.liveness ? await startLiveness(options.liveness) : undefined;
  try {
    const served = await resolveHandlers(client, registry.changing, signal);
    if (served.size === 0) logger.warning('No resources are served: nothing to do until stopped.');
    const patterns = options.clusterwide || !options.namespaces?.length ? undefined : options.namespaces;
    if (!options.clusterwide && !options.namespaces?.length) {
      logger.warning('No namespaces are given and `clusterwide` is not set: serving all namespaces.');
    }
    const running: Promise<void>[] = [];
    for (const { resource, handlers } of served.values()) {
      const processor = createProcessor({
        client,
        resource,
        handlers,
        settings,
        memo: options.memo ?? {},
        signal,
        ...(options.stats ? { stats: options.stats } : {}),
      });
      const start = (namespace: string | undefined, stop: AbortSignal): Watcher =>
        startWatcher({ client, resource, namespace, settings, processor, signal: stop });
      if (!resource.namespaced || patterns === undefined) {
        running.push(start(undefined, signal).done);
      } else {
        running.push(serveNamespaces(client, patterns, settings, signal, start));
      }
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    logger.info('Stop is requested; letting running handlers finish.');
    await Promise.all(running);
  } finally {
    // Queued events get a moment to be posted; an unreachable API must not hold up the exit.
    await Promise.race([poster.close(), sleep(Math.min(5, settings.process.gracefulShutdownTimeout))]);
    liveness?.close();
    (client as Partial<{ close(): void }>).close?.();
    logger.info('The operator has stopped.');
  }
}

interface ServedResource {
  resource: ResourceInfo;
  handlers: ChangingHandler[];
}

/** Resolve every handler's resource; handlers of selectors naming the same resource are served together. */
async function resolveHandlers(
  client: ApiClient,
  handlers: readonly ChangingHandler[],
  signal: AbortSignal,
): Promise<Map<string, ServedResource>> {
  const resolved = new Map<string, ResourceInfo | undefined>();
  const served = new Map<string, ServedResource>();
  for (const handler of handlers) {
    const key = selectorKey(handler.selector);
    if (!resolved.has(key)) resolved.set(key, await resolveOrSkip(client, handler.selector, signal));
    const resource = resolved.get(key);
    if (!resource) continue;
    const id = `${resource.plural}.${resource.version}.${resource.group}`;
    const entry = served.get(id) ?? { resource, handlers: [] };
    entry.handlers.push(handler);
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
): Promise<ResourceInfo | undefined> {
  const logger = getLogger('kopf.operator');
  const key = selectorKey(selector);
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      return await resolveResource(client, selector, { signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ResourceResolutionError) {
        logger.error(`Unresolved resource ${key} cannot be served (try creating its CRD): ${message}`);
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

/** A minimal liveness endpoint: 200 with `{}` on the configured path while the operator runs. */
async function startLiveness(endpoint: string): Promise<Server> {
  const url = new URL(endpoint);
  if (url.protocol !== 'http:') throw new Error(`The liveness endpoint must be http://, got ${endpoint}.`);
  const server = createServer((request, response) => {
    const ok = (request.url ?? '/').split('?')[0] === (url.pathname || '/');
    response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    response.end(ok ? '{}' : '{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(url.port || 80), url.hostname || 'localhost', () => resolve());
  });
  return server;
}
