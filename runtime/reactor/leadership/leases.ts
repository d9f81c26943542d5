/**
 * `coordination.k8s.io/v1` Leases as leader election uses them (the client-go convention):
 * `holderIdentity`, `leaseDurationSeconds`, `acquireTime`, `renewTime`, `leaseTransitions`. Our own
 * addition is an incarnation annotation: a random token per process, which tells a replica that
 * shares our identity apart from ourselves.
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import type { KubernetesObject } from '../../structs/bodies.ts';

export const LEASES: ResourceInfo = Object.freeze({
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
});

/** The annotation holding the holder's per-process token. */
export const INCARNATION_ANNOTATION = 'kopf.dev/incarnation';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubernetesObject {
  spec?: LeaseSpec;
}

/** Kubernetes' MicroTime: RFC 3339 with microseconds. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The Lease naming `holder` (of incarnation `incarnation`) as holder, based on `current` if any. */
export function heldLease(
  current: Lease | undefined,
  target: { name: string; namespace: string },
  holder: { identity: string; incarnation: string; duration: number; labels?: Record<string, string> },
  now: Date,
): Lease {
  const spec = current?.spec ?? {};
  const renewing = spec.holderIdentity === holder.identity && incarnationOf(current) === holder.incarnation;
  const transitions = (spec.leaseTransitions ?? 0) + (renewing || !current ? 0 : 1);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      ...current?.metadata,
      name: target.name,
      namespace: target.namespace,
      ...(holder.labels ? { labels: { ...current?.metadata?.labels, ...holder.labels } } : {}),
      annotations: { ...current?.metadata?.annotations, [INCARNATION_ANNOTATION]: holder.incarnation },
    },
    spec: {
      holderIdentity: holder.identity,
      leaseDurationSeconds: holder.duration,
      acquireTime: renewing && spec.acquireTime ? spec.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: transitions,
    },
  };
}

/** The Lease released by its holder: no holder, so a standby acquires it at once. */
export function releasedLease(current: Lease, now: Date): Lease {
  const { holderIdentity: _holder, ...spec } = current.spec ?? {};
  const annotations = { ...current.metadata?.annotations };
  delete annotations[INCARNATION_ANNOTATION];
  return {
    ...current,
    metadata: { ...current.metadata, annotations },
    spec: { ...spec, leaseDurationSeconds: 1, renewTime: microTime(now) },
  };
}

export function incarnationOf(lease: Lease | undefined): string | undefined {
  return lease?.metadata?.annotations?.[INCARNATION_ANNOTATION];
}

/** What distinguishes one renewal from the next: a changed value means the holder is alive. */
export function renewalMark(lease: Lease): string {
  const spec = lease.spec ?? {};
  return `${spec.holderIdentity ?? ''}|${incarnationOf(lease) ?? ''}|${spec.renewTime ?? ''}`;
}
