/**
 * RBAC rules as the operator needs them: derived from the CRDs (what the runtime does with every
 * served resource) plus what the handler code registers for or calls. Merged and sorted like
 * controller-gen, so the output is diff-stable.
 */
import { PEERING_VERBS } from '../../common/peering.ts';
import type { Crd } from '../parse/crd.ts';
import { compare } from './project.ts';
import type { ScalingMode } from './scaling.ts';

/**
 * Where a rule is granted: the operator's ClusterRole, its Role in the served namespace, or a Role
 * in the namespace the operator runs in (its Lease; the same Role when it serves that namespace).
 */
export type RuleScope = 'cluster' | 'namespace' | 'home';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** One permission need: a verb set on a resource (`plural` or `plural/subresource`) of a group. */
export interface Permission {
  readonly scope: RuleScope;
  readonly group: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  /** Why, for the comment in rbac.yaml. */
  readonly reason: string;
}

/**
 * Verbs the runtime uses on every resource it serves: list+watch to see, patch for finalizers and
 * persisted progress. No `get`: the runtime never reads single objects (watch events carry them).
 */
export const SERVING_VERBS = ['list', 'watch', 'patch'] as const;

/** Verbs on `<plural>/status` when the subresource exists: the runtime patches status, never reads it. */
export const STATUS_VERBS = ['patch'] as const;

export interface OperatorScope {
  /** The namespace served; undefined for a cluster-wide operator. */
  readonly namespace?: string;
  /** How replicas share the work: the Lease rules it needs (none for a single replica). */
  readonly scaling?: ScalingMode;
}

/** Leader election reads the Lease, creates it once, and renews/takes it over with updates (PUT). */
export const LEASE_VERBS = ['get', 'create', 'update'] as const;

/**
 * Sharding: each replica's membership Lease and the sharder's election Lease as above (get, create,
 * update; a graceful stop releases with an update); the sharder lists the ring's Leases by their
 * `kopf.dev/ring` label (polled, not watched) and deletes the expired and released ones (which moves
 * their objects). Objects are assigned by labelling them: the served resources' `patch`, which serving
 * needs anyway.
 */
export const SHARDING_LEASE_VERBS = [...LEASE_VERBS, 'list', 'delete'] as const;

/** What the runtime itself needs for the CRDs it serves, independent of handler code. */
export function runtimePermissions(crds: readonly Crd[], scope: OperatorScope): Permission[] {
  const clusterWide = scope.namespace === undefined;
  const needs: Permission[] = [];
  for (const crd of crds) {
    const where: RuleScope = clusterWide || !crd.namespaced ? 'cluster' : 'namespace';
    needs.push({
      scope: where,
      group: crd.group,
      resource: crd.plural,
      verbs: SERVING_VERBS,
      reason: `serving ${crd.name}`,
    });
    if (crd.versions.some((v) => v.served && v.subresources.status)) {
      needs.push({
        scope: where,
        group: crd.group,
        resource: `${crd.plural}/status`,
        verbs: STATUS_VERBS,
        reason: `status of ${crd.name}`,
      });
    }
  }
  needs.push(
    {
      scope: clusterWide ? 'cluster' : 'namespace',
      group: '',
      resource: 'events',
      verbs: ['create'],
      reason: 'posting events',
    },
    {
      scope: 'cluster',
      group: 'apiextensions.k8s.io',
      resource: 'customresourcedefinitions',
      verbs: ['list', 'watch'],
      reason: 'resource discovery',
    },
  );
  if (clusterWide) {
    needs.push(
      {
        scope: 'cluster',
        group: '',
        resource: 'namespaces',
        verbs: ['list', 'watch'],
        reason: 'observing namespaces',
      },
      {
        scope: 'cluster',
        group: 'kopf.dev',
        resource: 'clusterkopfpeerings',
        verbs: PEERING_VERBS,
        reason: 'peering',
      },
    );
  } else {
    needs.push({
      scope: 'namespace',
      group: 'kopf.dev',
      resource: 'kopfpeerings',
      verbs: PEERING_VERBS,
      reason: 'peering',
    });
    if (crds.some((crd) => !crd.namespaced)) {
      needs.push({
        scope: 'cluster',
        group: 'kopf.dev',
        resource: 'clusterkopfpeerings',
        verbs: PEERING_VERBS,
        reason: 'peering',
      });
    }
  }
  if (scope.scaling === 'leader-election') {
    needs.push({
      scope: 'home',
      group: 'coordination.k8s.io',
      resource: 'leases',
      verbs: LEASE_VERBS,
      reason: 'leader election (replicas > 1)',
    });
  } else if (scope.scaling === 'sharded') {
    needs.push({
      scope: 'home',
      group: 'coordination.k8s.io',
      resource: 'leases',
      verbs: SHARDING_LEASE_VERBS,
      reason: 'sharding (membership, the ring, the sharder election)',
    });
  }
  return needs;
}

/** controller-gen's merge: union verbs per resource, then join resources with equal verbs, then groups. */
export function mergeRules(permissions: readonly Permission[]): PolicyRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const p of permissions) {
    const key = `${p.group}\u0000${p.resource}`;
    const entry = byResource.get(key) ?? { group: p.group, resource: p.resource, verbs: new Set<string>() };
    for (const verb of p.verbs) entry.verbs.add(verb);
    byResource.set(key, entry);
  }
  const byGroupVerbs = new Map<string, { group: string; resources: Set<string>; verbs: string[] }>();
  for (const entry of byResource.values()) {
    const verbs = [...entry.verbs].sort(compare);
    const key = `${entry.group}\u0000${verbs.join(',')}`;
    const rule = byGroupVerbs.get(key) ?? { group: entry.group, resources: new Set<string>(), verbs };
    rule.resources.add(entry.resource);
    byGroupVerbs.set(key, rule);
  }
  const byResourcesVerbs = new Map<string, { groups: Set<string>; resources: string[]; verbs: string[] }>();
  for (const rule of byGroupVerbs.values()) {
    const resources = [...rule.resources].sort(compare);
    const key = `${resources.join(',')}\u0000${rule.verbs.join(',')}`;
    const merged = byResourcesVerbs.get(key) ?? { groups: new Set<string>(), resources, verbs: rule.verbs };
    merged.groups.add(rule.group);
    byResourcesVerbs.set(key, merged);
  }
  return [...byResourcesVerbs.values()]
    .map((r) => ({ apiGroups: [...r.groups].sort(compare), resources: r.resources, verbs: r.verbs }))
    .sort(
      (a, b) =>
        compare(a.apiGroups.join(','), b.apiGroups.join(',')) ||
        compare(a.resources.join(','), b.resources.join(',')) ||
        compare(a.verbs.join(','), b.verbs.join(',')),
    );
}
