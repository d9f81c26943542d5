/**
 * Applying what a handler outside the change-handling cycle produced (event handlers, timers,
 * daemons): its `patch` and its result (into `status.<id>`), in one merge-patch, right away.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { deepCopy } from '../structs/dicts.ts';
import type { Logger } from '../structs/logging.ts';
import { mergeInto, pruneEmpty } from '../structs/patches.ts';
import type { Outcome } from '../structs/progress.ts';
import { applyCyclePatch, isEmptyCyclePatch, type CyclePatch, type PatchResult } from './application.ts';
import type { HandlerPatch } from './handlers.ts';

/** Handler results into a merge-patch: objects merged into `status.<id>`, anything else set. */
export function deliverResults(outcomes: ReadonlyMap<string, Outcome>, merge: Record<string, unknown>): void {
  for (const [id, outcome] of outcomes) {
    if (outcome.error || outcome.result === undefined || outcome.result === null) continue;
    mergeInto(merge, { status: { [id]: deepCopy(outcome.result) } });
  }
}

export interface ReactionTarget {
  client: ApiClient;
  resource: ResourceInfo;
  body: KubernetesObject;
  logger: Logger;
}

/** Apply the handlers' patch and results; no request at all when there is nothing to write. */
export async function applyReaction(
  target: ReactionTarget,
  userPatch: HandlerPatch,
  outcomes: ReadonlyMap<string, Outcome>,
): Promise<PatchResult | undefined> {
  const merge = pruneEmpty(deepCopy(userPatch) as Record<string, unknown>);
  deliverResults(outcomes, merge);
  const patch: CyclePatch = { merge, fns: [...userPatch.fns], transforms: [] };
  if (isEmptyCyclePatch(patch)) return undefined;
  return applyCyclePatch(target.client, target.resource, target.body, patch, target.logger);
}
