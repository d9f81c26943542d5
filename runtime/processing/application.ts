/**
 * Applying one cycle's patch (Kopf's "one patch per cycle"): a merge-patch of the body, a merge-patch
 * of the `status` subresource (when the resource has one), then the JSON-patch of the transformations
 * (the handlers' `patch.fns`, then the finalizers) guarded by the latest resourceVersion, its `status`
 * part sent to the subresource the same way. At most four requests.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import type { Logger } from '../structs/logging.ts';
import { describeError } from '../structs/errors.ts';
import { deepCopy } from '../structs/dicts.ts';
import { findInconsistencies, jsonPatchDiff, pruneEmpty, type JsonPatchOp } from '../structs/patches.ts';
import { guarded, type Transformation } from './finalizers.ts';
import type { PatchFn } from './handlers.ts';
import { explainPatchFailure } from './persisting.ts';

/** What one processing cycle wants to change in an object. */
export interface CyclePatch {
  /** Merge-patch, `status` included (split off to the subresource when the resource has one). */
  merge: Record<string, unknown>;
  /** The handlers' `patch.fns`: applied to a copy of the latest body, sent as a JSON-patch. */
  fns: PatchFn[];
  /** The framework's JSON-patch transformations (finalizers), computed against the latest body. */
  transforms: Transformation[];
}

export function emptyCyclePatch(): CyclePatch {
  return { merge: {}, fns: [], transforms: [] };
}

export function isEmptyCyclePatch(patch: CyclePatch): boolean {
  return (
    Object.keys(pruneEmpty(patch.merge)).length === 0 &&
    patch.fns.length === 0 &&
    patch.transforms.length === 0
  );
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
  /**
   * The `patch.fns` whose JSON-patch was postponed because the object changed meanwhile: Kopf keeps
   * them for the object's next cycle (its "remaining patch"), computed against the newer body then.
   */
  remainingFns: PatchFn[];
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
    remainingFns: [],
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
  if (!result.gone && (patch.fns.length || patch.transforms.length)) {
    const latest = result.body ?? body;
    const ops = transformationOps(latest, patch);
    // Without a status subresource, the main resource takes the status changes too.
    const toStatus = (op: JsonPatchOp) =>
      !!resource.subresources?.status && (op.path === '/status' || op.path.startsWith('/status/'));
    const batches: [JsonPatchOp[], 'status' | undefined][] = [
      [ops.filter((op) => !toStatus(op)), undefined],
      [ops.filter(toStatus), 'status'],
    ];
    for (const [batch, subresource] of batches) {
      if (!batch.length || result.gone) continue;
      result.applied = true;
      result.requests++;
      const guard = result.body ?? body;
      try {
        const answer = await client.patch(resource, namespace, name, guarded(guard, batch), {
          type: 'json',
          subresource,
        });
        if (answer) result.body = answer;
        else result.gone = true;
        result.transformed = true;
      } catch (error) {
        // The object changed meanwhile (the resourceVersion test failed): the newer event decides again.
        if (statusCode(error) !== 422 && statusCode(error) !== 409) {
          throw explainPatchFailure(error, { resource, namespace, name, subresource, payload: batch });
        }
        logger.debug(
          `JSON-patching was postponed: the object has changed meanwhile (HTTP ${statusCode(error)}).`,
        );
        result.remainingFns = [...patch.fns];
        break;
      }
    }
  }
  return result;
}

/**
 * The transformations as JSON-patch ops against `latest`: the handlers' functions first, then the
 * finalizers' ops, computed against what the functions made of it.
 */
function transformationOps(latest: KubernetesObject, patch: CyclePatch): JsonPatchOp[] {
  const { ops, changed } = runPatchFns(latest, patch.fns);
  return [...ops, ...patch.transforms.flatMap((transform) => transform(changed))];
}

/**
 * Kopf's `Patch.as_json_patch()` for `patch.fns`: run them on a copy of `body`; the JSON-patch from
 * `body` to the changed copy, and the copy. A function that throws is named by its index.
 */
export function runPatchFns(
  body: KubernetesObject,
  fns: readonly PatchFn[],
): { ops: JsonPatchOp[]; changed: KubernetesObject } {
  if (!fns.length) return { ops: [], changed: body };
  const changed = deepCopy(body);
  fns.forEach((fn, index) => {
    try {
      fn(changed);
    } catch (error) {
      throw new Error(`The patch function patch.fns[${index}] failed: ${describeError(error)}`, {
        cause: error,
      });
    }
  });
  return { ops: jsonPatchDiff(body, changed), changed };
}
