/**
 * The finalizer that blocks deletion while delete handlers are pending. Added and removed by JSON-patch
 * operations computed against the latest body and guarded by a `test` of its resourceVersion, so a
 * concurrent change to the finalizers list by someone else is never overwritten.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { pointerSegment, type JsonPatchOp } from '../structs/patches.ts';

/** A transformation of the body, expressed as JSON-patch ops against the body it is given. */
export type Transformation = (body: KubernetesObject) => JsonPatchOp[];

export function hasFinalizer(body: KubernetesObject, finalizer: string): boolean {
  return (body.metadata?.finalizers ?? []).includes(finalizer);
}

export function isDeletionOngoing(body: KubernetesObject): boolean {
  return !!body.metadata?.deletionTimestamp;
}

/** The object's deletion and our finalizer, as one processing cycle sees them. */
export interface FinalizerState {
  /** The object has a deletionTimestamp. */
  deleting: boolean;
  /** Our finalizer is on the object: its deletion waits for us. */
  present: boolean;
  /** Some handler needs the finalizer (non-optional delete handlers, running daemons and timers). */
  required: boolean;
}

export function finalizerState(body: KubernetesObject, finalizer: string, required: boolean): FinalizerState {
  return { deleting: isDeletionOngoing(body), present: hasFinalizer(body, finalizer), required };
}

export function addFinalizer(finalizer: string): Transformation {
  return (body) => {
    const finalizers = body.metadata?.finalizers;
    if (finalizers?.includes(finalizer)) return [];
    if (!finalizers) return [{ op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
    return [{ op: 'add', path: '/metadata/finalizers/-', value: finalizer }];
  };
}

export function removeFinalizer(finalizer: string): Transformation {
  return (body) => {
    const index = (body.metadata?.finalizers ?? []).indexOf(finalizer);
    if (index < 0) return [];
    return [
      { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ];
  };
}

/** Prefix ops with the optimistic-concurrency guard. */
export function guarded(body: KubernetesObject, ops: JsonPatchOp[]): JsonPatchOp[] {
  const rv = body.metadata?.resourceVersion;
  return rv
    ? [
        { op: 'test', path: `/${['metadata', 'resourceVersion'].map(pointerSegment).join('/')}`, value: rv },
        ...ops,
      ]
    : ops;
}
