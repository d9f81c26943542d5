/**
 * What one resource's processing is configured with, and the context of one event, built once per
 * event and handed to every step (indexing, event handlers, spawning, changing): the object, its
 * logger, its memory, and the handler arguments every kind shares.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import type { Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { ObjectKey, WatchEvent } from '../watching/types.ts';
import type { ChangingHandler, IndexingHandler, ResourceKwargs, RawEventHandler } from './handlers.ts';
import type { IndexingGate } from './indexing.ts';
import { newHandlerPatch, resourceKwargs } from './kwargs.ts';
import { objectLogger } from './loggers.ts';
import type { ObjectMemory } from './memories.ts';
import type { Spawner } from './spawning.ts';

/** Counters for measurements and tests. */
export interface ProcessingStats {
  cycles: number;
  patches: number;
}

export interface ProcessorOptions {
  client: ApiClient;
  resource: ResourceInfo;
  /** The change handlers of this resource, in registration order. */
  handlers: readonly ChangingHandler[];
  settings: OperatorSettings;
  /** The operator's memo; each object gets a shallow copy. */
  memo?: Record<string, unknown>;
  /** Aborted when the operator stops: sleeps end, handlers see it as `signal`. */
  signal: AbortSignal;
  stats?: ProcessingStats;
  /** `kopf.on.event` handlers of this resource. */
  rawEvents?: readonly RawEventHandler[];
  /** `kopf.index` handlers of this resource. */
  indexing?: readonly IndexingHandler[];
  /** The daemons and timers of this resource (their tasks live as long as the operator). */
  spawner?: Spawner;
  /** Resource handlers wait for it: all indexes of the operator are populated. */
  gate?: IndexingGate;
  /** Sharded scale-out: which objects of the watched shard this replica may handle now. */
  shard?: ShardView;
}

/**
 * This replica's view of its shard (`kopf run --sharded`). An object that is not (or no longer)
 * `'mine'` is not deleted: its daemons and timers stop and it is forgotten here, because another
 * replica takes it over; a `'draining'` one is then handed back with {@link ShardView.release}.
 */
export interface ShardView {
  standing(body: KubernetesObject): 'mine' | 'draining' | 'elsewhere';
  /** Acknowledge the drain: called after the object's handlers finished and its daemons stopped. */
  release(key: ObjectKey): Promise<void>;
}

/** One event of one object, as every processing step sees it. */
export interface EventContext {
  options: ProcessorOptions;
  key: ObjectKey;
  event: WatchEvent;
  body: KubernetesObject;
  logger: Logger;
  /** The same, never posting Events: for the event and index handlers and the throttling, as Kopf. */
  localLogger: Logger;
  memory: ObjectMemory;
  /** Aborted when a newer event of the same object is waiting: sleeps end early. */
  pressure: AbortSignal;
}

export function eventContext(
  options: ProcessorOptions,
  key: ObjectKey,
  event: WatchEvent,
  memory: ObjectMemory,
  pressure: AbortSignal,
): EventContext {
  const body = event.object;
  const logger = objectLogger(body, options.settings);
  const localLogger = objectLogger(body, options.settings, { local: true });
  return { options, key, event, body, logger, localLogger, memory, pressure };
}

/** The arguments every per-object handler kind shares; each step's handlers get a `patch` of their own. */
export function objectKwargs(context: EventContext, patch = newHandlerPatch()): ResourceKwargs {
  const { options, body, logger } = context;
  return resourceKwargs({
    body,
    patch,
    logger,
    memo: context.memory.memo,
    resource: options.resource,
    signal: options.signal,
  });
}
