/**
 * The consistent-hash ring of sharded scale-out (docs/scaling.md): a pure function of the live
 * members. Every member owns `virtualNodes` points on a 32-bit circle; an object belongs to the
 * member of the first point at or after the object's hash. With virtual nodes the shares are even,
 * and a member joining or leaving moves only the objects between its own points and their
 * predecessors (about 1/N of them), never objects between two other members.
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import type { KubernetesObject } from '../../structs/bodies.ts';

export interface Ring {
  /** The members, sorted (for logs and tests). */
  readonly members: readonly string[];
  /** The member that owns `key`; undefined when the ring has no members. */
  owner(key: string): string | undefined;
}

/** The ring over `members` with `virtualNodes` points each. Deterministic: same input, same ring. */
export function makeRing(members: Iterable<string>, virtualNodes: number): Ring {
  const sorted = [...new Set(members)].sort();
  const points: Array<{ at: number; member: string }> = [];
  for (const member of sorted) {
    for (let i = 0; i < Math.max(1, virtualNodes); i++) points.push({ at: hash32(`${member}#${i}`), member });
  }
  // Ties (rare) are broken by the member's name, so that the order never depends on insertion.
  points.sort((a, b) => a.at - b.at || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  const positions = Uint32Array.from(points, (point) => point.at);
  return {
    members: sorted,
    owner(key: string): string | undefined {
      if (points.length === 0) return undefined;
      const index = firstAtOrAfter(positions, hash32(key));
      return points[index === points.length ? 0 : index]?.member;
    },
  };
}

/**
 * What an object of `resource` is placed by: `group/kind/namespace/name`, or, for an object with a controlling
 * owner, the owner's key (in the object's namespace), so that children stay with their parent.
 */
export function shardingKey(resource: ResourceInfo, object: KubernetesObject): string {
  const meta = object.metadata ?? {};
  const owner = meta.ownerReferences?.find((reference) => reference.controller);
  const [group, kind, name] = owner
    ? [groupOf(owner.apiVersion), owner.kind, owner.name]
    : [resource.group, resource.kind, meta.name ?? ''];
  return `${group}/${kind}/${meta.namespace ?? ''}/${name}`;
}

/** `apps/v1` → `apps`; `v1` (the core group) → ``. */
function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

/** The index of the first position ≥ `value` (positions.length if none). */
function firstAtOrAfter(positions: Uint32Array, value: number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((positions[middle] ?? 0) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * FNV-1a over the UTF-16 code units, then Murmur3's finaliser: FNV alone clusters similar keys
 * (`m#1`, `m#2`, ...) on the circle; the finaliser spreads them. Fast, dependency-free, stable.
 */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
