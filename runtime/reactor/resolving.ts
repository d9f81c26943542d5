/**
 * Which resources an operator serves: every handler's resource selector resolved through discovery,
 * and the handlers grouped per resolved resource (change handlers, and the per-object kinds: event,
 * index, timer and daemon handlers).
 */
import {
  isResourceQuery,
  selectorKey,
  versionedName,
  type HandlerSelector,
  type ResourceInfo,
} from '../../common/resources.ts';
import { discoverResources, resolveResource, ResourceResolutionError } from '../client/discovery.ts';
import type { ApiClient } from '../client/types.ts';
import { describeError } from '../structs/errors.ts';
import { getLogger } from '../structs/logging.ts';
import { sleep } from '../structs/timing.ts';
import {
  type ChangingHandler,
  type IndexingHandler,
  type SpawningHandler,
  type RawEventHandler,
} from '../processing/handlers.ts';
import type { Registry } from '../processing/registry.ts';

/** The per-object handler kinds besides change handlers, of one served resource. */
export interface PerObjectKinds {
  rawEvents: RawEventHandler[];
  spawning: SpawningHandler[];
  indexing: IndexingHandler[];
}

/** One resource to serve, with all its handlers. */
export interface ServedResource {
  resource: ResourceInfo;
  handlers: ChangingHandler[];
  /** Event, index, timer and daemon handlers. */
  kinds: PerObjectKinds;
}

type ResourceHandler = ChangingHandler | RawEventHandler | SpawningHandler | IndexingHandler;

/** Every handler that names a resource. */
export function resourceHandlers(registry: Registry): ResourceHandler[] {
  return [...registry.changing, ...registry.rawEvents, ...registry.indexing, ...registry.spawning];
}

/**
 * Resolve every handler's resource; handlers of selectors naming the same resource are served
 * together, keyed by `plural.version.group`. A query (`kopf.EVERYTHING`, a category, a predicate)
 * serves its handlers on every resource it selects. Resources the handlers cannot work with are
 * dropped (see {@link dropUnsuitable}). With `quiet`, nothing is logged (rescans after CRD changes:
 * the start-up already said what is not served).
 */
export async function resolveHandlers(
  client: ApiClient,
  handlers: readonly ResourceHandler[],
  signal: AbortSignal,
  options: { quiet?: boolean } = {},
): Promise<Map<string, ServedResource>> {
  const quiet = options.quiet ?? false;
  // Queries by identity: two predicates may have the same text, and select differently.
  const resolved = new Map<HandlerSelector, ResourceInfo[]>();
  const served = new Map<string, ServedResource>();
  for (const handler of handlers) {
    const key = isResourceQuery(handler.selector) ? handler.selector : selectorKey(handler.selector);
    if (!resolved.has(key)) resolved.set(key, await resolveOrSkip(client, handler.selector, signal, quiet));
    for (const resource of resolved.get(key) ?? []) {
      const id = versionedName(resource);
      const entry = served.get(id) ?? {
        resource,
        handlers: [],
        kinds: { rawEvents: [], spawning: [], indexing: [] },
      };
      if (!('kind' in handler)) entry.handlers.push(handler);
      else if (handler.kind === 'event') entry.kinds.rawEvents.push(handler);
      else if (handler.kind === 'index') entry.kinds.indexing.push(handler);
      else entry.kinds.spawning.push(handler);
      served.set(id, entry);
    }
  }
  dropUnsuitable(served, quiet);
  return served;
}

/**
 * Drop the resources the API cannot serve as the handlers need (Kopf's unsuitable resources, by the
 * verbs discovery lists): every served resource must be listed and watched; those with change,
 * timer or daemon handlers must also be patched (their state is stored on the objects). One log
 * line names all dropped resources of each sort.
 */
export function dropUnsuitable(served: Map<string, ServedResource>, quiet = false): void {
  const logger = getLogger('kopf.operator');
  const unwatchable: string[] = [];
  const unpatchable: string[] = [];
  for (const [id, { resource, handlers, kinds }] of served) {
    const verbs = resource.verbs;
    if (!verbs) continue; // not from discovery: nothing to go by
    if (!verbs.includes('list') || !verbs.includes('watch')) unwatchable.push(id);
    else if (!verbs.includes('patch') && (handlers.length > 0 || kinds.spawning.length > 0))
      unpatchable.push(id);
  }
  for (const id of [...unwatchable, ...unpatchable]) served.delete(id);
  if (quiet) return;
  if (unwatchable.length)
    logger.warning(
      `Non-watchable resources will not be served (no 'list' or 'watch'): ${unwatchable.join(', ')}`,
    );
  if (unpatchable.length) {
    logger.warning(
      `Non-patchable resources will not be served (no 'patch', but their handlers store state on the objects): ${unpatchable.join(', ')}`,
    );
  }
}

/**
 * Resolve one selector: a name to its resource, a query to all it selects. A name that matches
 * nothing is logged and skipped (as in Kopf), and so is a query that selects nothing; trouble
 * reaching the API (after the client's own retries) is retried until it works or the operator stops,
 * so that an API server restart during start-up does not leave resources unserved.
 */
async function resolveOrSkip(
  client: ApiClient,
  selector: HandlerSelector,
  signal: AbortSignal,
  quiet: boolean,
): Promise<ResourceInfo[]> {
  const logger = getLogger('kopf.operator');
  const key = selectorKey(selector);
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      if (!isResourceQuery(selector)) return [await resolveResource(client, selector, { signal })];
      const selected = await discoverResources(client, selector, { signal });
      if (!selected.length && !quiet)
        logger.warning(`Resource query ${key} selects no served resource yet (served once one appears).`);
      return selected;
    } catch (error) {
      // Stopped: the rejection carries the abort's reason, which may be another root task's failure
      // (that task reports it); it is not this resolution's to log.
      if (signal.aborted) return [];
      const message = describeError(error);
      if (error instanceof ResourceResolutionError) {
        if (quiet) return [];
        if (/ambiguous/.test(message)) {
          logger.error(`Ambiguous resource ${key} will not be served: ${message}`);
        } else {
          logger.error(
            `Unresolved resource ${key} cannot be served yet (it is served once its CRD appears): ${message}`,
          );
        }
        return [];
      }
      const delay = Math.min(30, 2 ** attempt);
      logger.warning(`Resolving ${key} failed; retrying in ${delay} s: ${message}`);
      await sleep(delay, signal);
    }
  }
  return [];
}
