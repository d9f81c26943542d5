/**
 * Run-time discovery (Kopf's CRD scanning): CustomResourceDefinitions are watched while the
 * operator runs, and every change of one (created, established, deleted) asks the operator to
 * re-resolve its resources, so that CRDs installed after the start are served without a restart and
 * resources whose CRD is deleted stop being watched. {@link followResources} does this for every
 * task that works per served resource: the watchers and the sharder.
 */
import { BUILTIN_RESOURCES } from '../../common/builtins.ts';
import { qualifiedName, type ResourceInfo } from '../../common/resources.ts';
import { isApiError } from '../client/errors.ts';
import type { ApiClient } from '../client/types.ts';
import type { Registry } from '../processing/registry.ts';
import { getLogger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { untilAborted } from '../structs/timing.ts';
import { isListedMarker, watchObjects } from '../watching/stream.ts';
import { resolveHandlers, resourceHandlers, type ServedResource } from './resolving.ts';

export const CUSTOM_RESOURCE_DEFINITIONS: ResourceInfo =
  BUILTIN_RESOURCES['customresourcedefinitions.apiextensions.k8s.io'];

/** Bursts of CRD events (created → established) are answered with one rescan after this pause. */
const SETTLE_SECONDS = 0.3;
/** One more rescan this long after a burst, in case the discovery documents lagged behind. */
const FOLLOW_UP_SECONDS = 2;

export interface DefinitionsObserverOptions {
  client: ApiClient;
  settings: OperatorSettings;
  signal: AbortSignal;
  /**
   * Called after CRD changes (not for the initial listing), with the names (`plural.group`) of the
   * deleted CRDs not re-created since; the callee removes the names it has dealt with. Calls never
   * overlap.
   */
  onChange: (deleted: Set<string>) => Promise<void>;
}

/** Watch CRDs until the signal aborts. Never throws (the stream heals itself). */
export async function observeDefinitions(options: DefinitionsObserverOptions): Promise<void> {
  const { client, settings, signal, onChange } = options;
  const logger = getLogger('kopf.discovery');
  try {
    await client.list(CUSTOM_RESOURCE_DEFINITIONS, undefined, { signal });
  } catch (error) {
    if (signal.aborted) return;
    if (isApiError(error, 403)) {
      logger.warning(
        'Not enough permissions to watch CustomResourceDefinitions (403): resources whose CRDs appear or ' +
          "disappear later are noticed only at the next start; grant 'list' and 'watch' on them to fix it.",
      );
      return;
    }
    // Anything else: the stream below retries on its own.
  }
  let dirty = false;
  const deleted = new Set<string>();
  let followUpWanted = false;
  let followUp: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  signal.addEventListener('abort', () => clearTimeout(followUp), { once: true });
  const rescan = (afterEvent: boolean): void => {
    dirty = true;
    if (afterEvent) followUpWanted = true;
    running ??= (async () => {
      while (dirty && !signal.aborted) {
        dirty = false;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
        try {
          await onChange(deleted);
        } catch (error) {
          logger.exception('Re-resolving the resources after CRD changes failed', error);
        }
      }
      if (followUpWanted && !signal.aborted) {
        // The API's discovery may lag behind the CRD's status: look once more a bit later.
        followUpWanted = false;
        clearTimeout(followUp);
        followUp = setTimeout(() => rescan(false), FOLLOW_UP_SECONDS * 1000);
        followUp.unref();
      }
    })().finally(() => (running = undefined));
  };
  let listings = 0;
  for await (const item of watchObjects(client, CUSTOM_RESOURCE_DEFINITIONS, undefined, settings, signal)) {
    // The start-up resolution saw the first listing; a re-listing may hide changes made meanwhile.
    if (isListedMarker(item)) {
      if (listings++ > 0) rescan(true);
    } else if (item.type !== null) {
      const name = item.object.metadata?.name;
      if (item.type === 'DELETED' && name) deleted.add(name);
      else if (name) deleted.delete(name);
      rescan(true);
    }
  }
  await running;
}

/**
 * Work on every served resource while its CRD exists: `serve(entry, stop)` at once for each of
 * `initial` (the start-up resolution), and for each resource whose CRD appears later; `stop` aborts
 * when `signal` does or when the resource's CRD is deleted. Resolves once `signal` aborted and every
 * `serve()` finished. `doing` says what is done, for the log (`serving it`).
 */
export async function followResources(options: {
  client: ApiClient;
  settings: OperatorSettings;
  registry: Registry;
  initial: ReadonlyMap<string, ServedResource>;
  signal: AbortSignal;
  doing: string;
  serve: (entry: ServedResource, stop: AbortSignal) => Promise<void>;
}): Promise<void> {
  const { client, settings, registry, signal, doing, serve } = options;
  const logger = getLogger('kopf.operator');
  const active = new Map<string, { resource: ResourceInfo; stop: AbortController; done: Promise<void> }>();
  const retired: Promise<void>[] = [];
  const start = (id: string, entry: ServedResource): void => {
    const stop = new AbortController();
    active.set(id, {
      resource: entry.resource,
      stop,
      done: serve(entry, AbortSignal.any([signal, stop.signal])),
    });
  };
  for (const [id, entry] of options.initial) start(id, entry);
  const discovery =
    settings.scanning.disabled || resourceHandlers(registry).length === 0
      ? Promise.resolve()
      : observeDefinitions({
          client,
          settings,
          signal,
          onChange: async (deleted) => {
            const now = await resolveHandlers(client, resourceHandlers(registry), signal, { quiet: true });
            if (signal.aborted) return;
            for (const [id, entry] of now) {
              if (active.has(id)) continue;
              logger.info(`Resource ${id} appeared: ${doing}.`);
              start(id, entry);
            }
            for (const [id, current] of active) {
              // Only a deleted CRD ends the work (discovery may be incomplete for a moment); while
              // discovery still lists it, the follow-up rescan drops it.
              const definition = qualifiedName(current.resource);
              if (now.has(id) || !deleted.has(definition)) continue;
              logger.info(`Resource ${id} is gone: no longer ${doing}.`);
              deleted.delete(definition);
              current.stop.abort();
              active.delete(id);
              retired.push(current.done);
            }
          },
        });
  await untilAborted(signal);
  await Promise.all([discovery, ...[...active.values()].map((entry) => entry.done), ...retired]);
}
