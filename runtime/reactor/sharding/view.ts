/**
 * A member's side of the drain protocol: which objects of its watch it may handle, and the
 * acknowledgement of a drain (both labels removed, only if the object is still ours), after which
 * the sharder gives the object to its new member.
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import { isApiError } from '../../client/errors.ts';
import type { ApiClient } from '../../client/types.ts';
import type { ShardView } from '../../processing/context.ts';
import { describeError } from '../../structs/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import type { RingNames } from './names.ts';

export function memberView(
  client: ApiClient,
  resource: ResourceInfo,
  names: RingNames,
  member: string,
): ShardView {
  const { shardLabel, drainLabel } = names;
  return {
    standing(body) {
      const labels = body.metadata?.labels ?? {};
      if (labels[shardLabel] !== member) return 'elsewhere';
      return labels[drainLabel] === undefined ? 'mine' : 'draining';
    },
    async release(key) {
      const logger = getLogger('kopf.objects', { namespace: key.namespace, name: key.name });
      // A JSON patch with a test: if the sharder has meanwhile given the object to someone else
      // (it judged us dead), nothing is removed.
      const patch = [
        { op: 'test', path: labelPath(shardLabel), value: member },
        { op: 'remove', path: labelPath(shardLabel) },
        { op: 'remove', path: labelPath(drainLabel) },
      ];
      try {
        await client.patch(resource, key.namespace, key.name, patch, { type: 'json' });
        logger.debug(`Handed over to another replica (drained from ${member}).`);
      } catch (error) {
        // 422: the labels changed meanwhile (the object is no longer ours to hand over).
        if (isApiError(error, 422)) return;
        logger.warning(
          `Could not hand the object over; the sharder moves it once this replica's Lease ends: ${describeError(error)}`,
        );
      }
    },
  };
}

/** A JSON-pointer to a label (`/` in the key becomes `~1`). */
function labelPath(label: string): string {
  return `/metadata/labels/${label.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}
