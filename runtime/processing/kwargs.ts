/** Building the arguments of the per-object handlers (see `ResourceKwargs`). */
import type { ResourceInfo } from '../../common/resources.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { isPlainObject } from '../structs/dicts.ts';
import type { Logger } from '../structs/logging.ts';
import type { FilterKwargs, HandlerPatch, PatchFn, ResourceKwargs } from './handlers.ts';

export type { ResourceKwargs };

export function newHandlerPatch(): HandlerPatch {
  const fns: PatchFn[] = [];
  const patch = { metadata: { labels: {}, annotations: {} }, spec: {}, status: {}, fns };
  // Not enumerable: copies, merges and `pruneEmpty()` of the merge-patch leave the functions out.
  return Object.defineProperty(patch, 'fns', { enumerable: false });
}

export interface KwargsSource {
  body: KubernetesObject;
  patch: HandlerPatch;
  logger: Logger;
  memo: Record<string, unknown>;
  resource: ResourceInfo;
  signal: AbortSignal;
}

export function resourceKwargs(source: KwargsSource): ResourceKwargs {
  const { body } = source;
  const meta = body.metadata ?? {};
  return {
    body,
    spec: isPlainObject(body.spec) ? body.spec : {},
    meta,
    status: isPlainObject(body.status) ? body.status : {},
    name: meta.name ?? '',
    namespace: meta.namespace,
    uid: meta.uid ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    patch: source.patch,
    logger: source.logger,
    memo: source.memo,
    resource: source.resource,
    signal: source.signal,
  };
}

/**
 * The same arguments shaped for the filters, which check field values against the current body
 * (there is no old/new essence outside change handlers).
 */
export function asFilterKwargs(kwargs: ResourceKwargs): FilterKwargs {
  return { ...kwargs, reason: undefined as never, diff: [], old: undefined, new: undefined };
}
