/** The per-object handler kinds besides change handlers, grouped per served resource. */
import type { IndexingHandler, Registry, SpawningHandler, WatchingHandler } from '../processing/handlers.ts';

export interface PerObjectKinds {
  watching: WatchingHandler[];
  spawning: SpawningHandler[];
  indexing: IndexingHandler[];
}

export function emptyKinds(): PerObjectKinds {
  return { watching: [], spawning: [], indexing: [] };
}

/** All event, index, timer and daemon handlers of a registry (to resolve their resources). */
export function perObjectHandlers(
  registry: Registry,
): Array<WatchingHandler | SpawningHandler | IndexingHandler> {
  return [...registry.watching, ...registry.indexing, ...registry.spawning];
}
