/**
 * The names sharded scale-out writes into the cluster (docs/scaling.md): one ring per peering name;
 * per ring, the membership Leases (`kopf-shard-<ring>-<member>`, labelled `kopf.dev/ring=<ring>`),
 * the sharder's Lease (`kopf-sharder-<ring>`), and the objects' labels `kopf.dev/shard-<ring>` (the
 * member that handles the object) and `kopf.dev/drain-<ring>` (asked to hand the object back).
 */
import { drainLabel, shardLabel } from '../../structs/conventions.ts';
import { hash32 } from './ring.ts';

export const RING_LABEL = 'kopf.dev/ring';

/** What sharding does with Leases (its membership Leases, the sharder's Lease, the ring's listing). */
export const SHARDING = { name: 'Sharding', needs: 'get, create, update, list, delete' };

export interface RingNames {
  ring: string;
  /** The object's member: `kopf.dev/shard-<ring>=<member>`. */
  shardLabel: string;
  /** Set by the sharder when the object must move; removed (with the shard label) by the owner. */
  drainLabel: string;
  sharderLease: string;
  memberLease(member: string): string;
}

export function ringNames(ring: string): RingNames {
  return {
    ring,
    shardLabel: shardLabel(ring),
    drainLabel: drainLabel(ring),
    sharderLease: `kopf-sharder-${ring}`,
    memberLease: (member) => `kopf-shard-${ring}-${member}`,
  };
}

/**
 * A replica's name on the ring, from its identity: usable both as a label value and inside a Lease
 * name (lower-case DNS characters, ≤ 63). An identity that needs changing (`user@host/...`, upper
 * case, too long) gets a hash suffix, so that two identities never share a member name by accident.
 */
export function memberName(identity: string): string {
  const cleaned = identity
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (cleaned === identity && cleaned.length <= 63) return cleaned;
  const suffix = hash32(identity).toString(16).padStart(8, '0');
  return `${cleaned.slice(0, 54).replace(/[^a-z0-9]+$/, '')}-${suffix}`.replace(/^-/, '');
}

/** The watch selector of a member: its own objects (also those draining: it acknowledges them). */
export function memberSelector(names: RingNames, member: string, handlers: string | undefined): string {
  return [`${names.shardLabel}=${member}`, ...(handlers ? [handlers] : [])].join(',');
}
