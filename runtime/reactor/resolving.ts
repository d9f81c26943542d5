/**
 * Which resources an operator serves: every handler's resource selector resolved through discovery,
 * and the handlers grouped per resolved resource (change handlers, and the per-object kinds: event,
 * index, timer and daemon handlers).
 */
import {
  selectorKey,
  versionedName,
  type ResourceInfo,
  type ResourceSelector,
} from '../../common/resources.ts';
import { resolveResource, ResourceResolutionError } from '../client/discovery.ts';
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
 * together, keyed by `plural.version.group`. With `quiet`, unresolvable selectors are skipped silently
 * (rescans after CRD changes: the start-up already said what is not served).
 */
export async function resolveHandlers(
  client: ApiClient,
  handlers: readonly ResourceHandler[],
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
  return served;
}

/**
 * Resolve one selector. A selector that matches nothing is logged and skipped (as in Kopf); trouble
 * reaching the API (after the client's own retries) is retried until it works or the operator stops,
 * so that an API server restart during start-up does not leave resources unserved.
 */
async function resolveOrSkip(
  client: ApiClient,
  selector: ResourceSelector,
  signal: AbortSignal,
  quiet: boolean,
): Promise<ResourceInfo | undefined> {
  const logger = getLogger('kopf.operator');
  const key = selectorKey(selector);
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      return await resolveResource(client, selector, { signal });
    } catch (error) {
      const message = describeError(error);
      if (error instanceof ResourceResolutionError) {
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
