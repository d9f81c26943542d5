/** The watching layer: list+watch streams that heal themselves, and per-object queues. */
export type * from './types.ts';
export {
  watchObjects,
  streamStats,
  type StreamStats,
  isListedMarker,
  describeStream,
  type ListedMarker,
  type StreamItem,
} from './stream.ts';
export { runQueues, coalesce, objectId, type QueueOptions } from './queues.ts';
export { startWatcher, type Watcher, type WatcherOptions } from './watcher.ts';
export { reconnectBackoff, type Backoff } from './backoff.ts';
export { createLimiter, type Limiter } from './limiter.ts';
export { matchNamespace, matchAnyNamespace, isLiteralNamespace, literalNamespaces } from './namespaces.ts';
export {
  observeNamespaces,
  isNamespaceAlive,
  servePerNamespace,
  NAMESPACES,
  type NamespaceObserverOptions,
} from './namespace-observer.ts';
