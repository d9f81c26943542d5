/** The watching layer wired up for one (resource, namespace): list+watch stream into per-object queues. */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { PauseSwitch } from '../structs/toggles.ts';
import { runQueues } from './queues.ts';
import { streamStats, watchObjects, type StreamStats } from './stream.ts';
import type { ObjectProcessor } from './types.ts';

export interface WatcherOptions {
  client: ApiClient;
  resource: ResourceInfo;
  /** A namespace, or undefined for cluster-wide (all namespaces, or a cluster-scoped resource). */
  namespace: string | undefined;
  settings: OperatorSettings;
  processor: ObjectProcessor;
  /** Stops the watcher: no new events are taken, running cycles get the graceful-shutdown time. */
  signal: AbortSignal;
  /** Called after every (re-)listing has been dispatched (e.g. to mark indexes as populated). */
  onListed?: () => void;
  /** Counters to update (default: fresh ones, exposed as {@link Watcher.stats}). */
  stats?: StreamStats;
  /** While on, the stream is closed; when it turns off, the stream starts over with a listing. */
  paused?: PauseSwitch;
  /** Only objects matching this label selector are listed and watched (server-side filtering). */
  labelSelector?: string | undefined;
}

/** A running watcher. */
export interface Watcher {
  /** Resolves once the first listing has been dispatched to the workers. */
  listed: Promise<void>;
  /** Resolves when the watcher has stopped (after the signal aborted) and its workers finished. */
  done: Promise<void>;
  /** The stream's health counters, updated live. */
  stats: StreamStats;
}

/** Start watching one resource in one namespace and feeding its objects' events to `processor`. */
export function startWatcher(options: WatcherOptions): Watcher {
  let markListed!: () => void;
  const listed = new Promise<void>((resolve) => (markListed = resolve));
  const stats = options.stats ?? streamStats();
  const events = watchObjects(
    options.client,
    options.resource,
    options.namespace,
    options.settings,
    options.signal,
    { stats, labelSelector: options.labelSelector, ...(options.paused ? { paused: options.paused } : {}) },
  );
  const done = runQueues(events, options.processor, options.settings, options.signal, {
    resource: options.resource,
    namespace: options.namespace,
    onListed: () => {
      markListed();
      options.onListed?.();
    },
  });
  return { listed, done, stats };
}
