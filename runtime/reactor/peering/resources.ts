/**
 * Kopf's peering resources: `ClusterKopfPeering`/`KopfPeering` in `kopf.dev/v1`, and the same kinds
 * in the legacy `zalando.org/v1` group (both are used when both exist, as in Kopf).
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import { resolveResource, ResourceResolutionError } from '../../client/discovery.ts';
import type { ApiClient } from '../../client/types.ts';

const GROUPS = ['kopf.dev', 'zalando.org'] as const;

function peeringResource(group: string, clusterwide: boolean): ResourceInfo {
  return clusterwide
    ? { group, version: 'v1', plural: 'clusterkopfpeerings', kind: 'ClusterKopfPeering', namespaced: false }
    : { group, version: 'v1', plural: 'kopfpeerings', kind: 'KopfPeering', namespaced: true };
}

/** The kopf.dev peering resource of the scope (the one kopf-gen deploys; tools create boards with it). */
export function mainPeeringResource(clusterwide: boolean): ResourceInfo {
  return peeringResource(GROUPS[0], clusterwide);
}

/** The peering resources of the scope that the cluster serves (none if their CRDs are absent). */
export async function servedPeeringResources(
  client: ApiClient,
  clusterwide: boolean,
  signal?: AbortSignal,
): Promise<ResourceInfo[]> {
  const served: ResourceInfo[] = [];
  for (const group of GROUPS) {
    const wanted = peeringResource(group, clusterwide);
    try {
      served.push(await resolveResource(client, `${wanted.plural}.${group}`, signal ? { signal } : {}));
    } catch (error) {
      if (!(error instanceof ResourceResolutionError)) throw error;
    }
  }
  return served;
}
