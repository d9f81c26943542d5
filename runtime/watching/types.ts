/** The contract of the watching layer: list+watch streams and per-object queues. */
import type { ResourceInfo } from '../../common/resources.ts';
import type { KubernetesObject } from '../structs/bodies.ts';

/**
 * An event as the processing layer sees it. `type` is `null` for objects delivered by a (re)listing,
 * as in Kopf, so handlers can tell the initial state from live changes.
 */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | null;
  object: KubernetesObject;
}

/** Identity of one object's queue: the resource plus the object's uid. */
export interface ObjectKey {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string;
  uid: string;
}

/**
 * Called by a per-object worker for each event of that object, strictly one at a time per object.
 * `pressure` is aborted when a newer event for the same object arrives while this one is processed,
 * so that sleeps (retry delays, consistency waits) can be cut short.
 */
export type ObjectProcessor = (key: ObjectKey, event: WatchEvent, pressure: AbortSignal) => Promise<void>;
