/**
 * Applying one cycle's patch (Kopf's "one patch per cycle"): a merge-patch of the body, a merge-patch
 * of the `status` subresource (when the resource has one), then the JSON-patch transformations
 * (finalizers) guarded by the latest resourceVersion. At most three requests.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import type { Logger } from '../structs/logging.ts';
import { findInconsistencies, pruneEmpty } from '../structs/patches.ts';
import { guarded, type Transformation } from './finalizers.ts';
import { explainPatchFailure } from './persisting.ts';

/** What one processing cycle wants to change in an object. */
export interface CyclePatch {
  /** Merge-patch, `status` included (split off to the subresource when the resource has one). */
  merge: Record<string, unknown>;
  /** JSON-patch transformations, computed against the latest body when applied. */
  transforms: Transformation[];
}

export function emptyCyclePatch(): CyclePatch {
  return { merge: {}, transforms: [] };
}

export function isEmptyCyclePatch(patch: CyclePatch): boolean {
  return Object.keys(pruneEmpty(patch.merge)).length === 0 && patch.transforms.length === 0;
}

export interface PatchResult {
  /** At least one request was sent. */
  applied: boolean;
  /** The object as the last successful request returned it. */
  body: KubernetesObject | undefined;
  /** The object no longer exists (404). */
  gone: boolean;
  /** Number of PATCH requests sent (for measurements). */
  requests: number;
  /** The JSON-patch transformations (finalizers) were applied, not postponed. */
  transformed: boolean;
}

function statusCode(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

export async function applyCyclePatch(
  client: ApiClient,
  resource: ResourceInfo,
  body: KubernetesObject,
  patch: CyclePatch,
  logger: Logger,
): Promise<PatchResult> {
  const name = body.metadata?.name ?? '';
  const namespace = resource.namespaced ? body.metadata?.namespace : undefined;
  const merge = pruneEmpty(patch.merge);
  const splitStatus = !!resource.subresources?.status && merge.status !== undefined;
  const { status, ...rest } = merge;
  const mainPatch = splitStatus ? rest : merge;
  const result: PatchResult = {
    applied: false,
    body: undefined,
    gone: false,
    requests: 0,
    transformed: false,
  };

  const send = async (payload: Record<string, unknown>, subresource?: 'status') => {
    result.applied = true;
    result.requests++;
    let answer: KubernetesObject | undefined;
    try {
      answer = await client.patch(resource, namespace, name, payload, { type: 'merge', subresource });
    } catch (error) {
      throw explainPatchFailure(error, { resource, namespace, name, subresource, payload });
    }
    if (!answer) {
      logger.debug('Patching was skipped: the object does not exist anymore.');
      result.gone = true;
      return;
    }
    result.body = answer;
    const mismatches = findInconsistencies(payload, answer);
    if (mismatches.length) {
      logger.warning(
        `Merge-patching finished with inconsistencies: the API server did not store ${mismatches.join(', ')} (pruned by the schema? the status subresource?).`,
      );
    }
  };

  if (Object.keys(mainPatch).length) await send(mainPatch);
  if (!result.gone && splitStatus && Object.keys(status as object).length) {
    await send({ status }, 'status');
  }
  if (!result.gone && patch.transforms.length) {
    const latest = result.body ?? body;
    const ops = patch.transforms.flatMap((transform) => transform(latest));
    if (ops.length) {
      result.applied = true;
      result.requests++;
      try {
        const answer = await client.patch(resource, namespace, name, guarded(latest, ops), { type: 'json' });
        if (answer) result.body = answer;
        else result.gone = true;
        result.transformed = true;
      } catch (error) {
        // The object changed meanwhile (the resourceVersion test failed): the newer event decides again.
        if (statusCode(error) !== 422 && statusCode(error) !== 409) {
          throw explainPatchFailure(error, { resource, namespace, name, payload: ops });
        }
        logger.debug(
          `JSON-patching was postponed: the object has changed meanwhile (HTTP ${statusCode(error)}).`,
        );
      }
    }
  }
  return result;
}
