/**
 * How the replicas of the generated Deployment share the work (docs/scaling.md): one replica alone,
 * one leader with standbys (`kopf run --leader-elect`), or every replica on its shard of the objects
 * (`kopf run --sharded`). The Deployment's flags and strategy and the Lease rules in RBAC follow it.
 */
export type ScalingMode = 'single' | 'leader-election' | 'sharded';

/**
 * `--sharded` shards at any replica count (one replica is a ring of one, ready for `kubectl scale`);
 * otherwise more than one replica elects a leader.
 */
export function scalingMode(replicas: number, sharded: boolean): ScalingMode {
  return sharded ? 'sharded' : replicas > 1 ? 'leader-election' : 'single';
}
