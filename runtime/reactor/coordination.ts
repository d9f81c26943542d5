/**
 * Coordination between replicas, with Kubernetes as the only coordination engine: Kopf's peering
 * and Lease-based leader election, both feeding one pause switch that the watch streams and the
 * daemon spawners follow. Started before the first watch stream; stopped after the operator's
 * handlers have finished, so that no peer or standby takes over while our handlers still run.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ApiClient } from '../client/types.ts';
import { getLogger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { ToggleSet, type PauseSwitch } from '../structs/toggles.ts';
import { runLeaderElection } from './leadership/election.ts';
import { leaseIdentity, peeringIdentity } from './peering/identity.ts';
import { runPeering } from './peering/peering.ts';
import type { ShardMembership } from './context.ts';
import { memberName, RING_LABEL, ringNames, SHARDING } from './sharding/names.ts';

export interface CoordinationOptions {
  client: ApiClient;
  settings: OperatorSettings;
  /** `--id`: the identity for peering and the Lease (default: Kopf's and Kubernetes' conventions). */
  identity: string | undefined;
  /** The operator's namespace patterns; undefined when it serves the whole cluster. */
  namespaces: readonly string[] | undefined;
}

export interface Coordination {
  /** On while the operator must not work (paused by peers, standing by, or peering CRD missing). */
  paused: PauseSwitch;
  /** Sharded scale-out: this replica's place on the ring (it holds its membership Lease). */
  shard: ShardMembership | undefined;
  /** Rejects if coordination cannot work as configured (e.g. a missing Lease permission). */
  failure: Promise<never>;
  /** Leave the peering and release the Lease; resolves when both are done. */
  stop(): Promise<void>;
}

const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function startCoordination(options: CoordinationOptions): Coordination {
  const { client, settings } = options;
  const logger = getLogger('kopf.reactor');
  const paused = new ToggleSet();
  const stop = new AbortController();
  paused.onChange((on) => {
    if (on) logger.info(`The operator is paused: ${paused.reasons().join('; ')}.`);
    else logger.info('The operator is resumed.');
  });
  const lease = {
    namespace: settings.scaling.leaseNamespace ?? ownNamespace(),
    name: settings.scaling.leaseName ?? `kopf-leader-${settings.peering.name}`,
  };
  const { leaderElection: electing, sharded } = settings.scaling;
  if (electing && sharded)
    throw new Error('settings.scaling: leaderElection and sharded exclude each other; choose one.');
  const names = ringNames(settings.peering.name);
  // A leader-elected or sharded group is one peer: its replicas share one record (so that they never
  // pause each other as same-priority peers) and no replica removes it when it stops.
  const group = electing ? `${lease.namespace}/${lease.name}` : `${lease.namespace}/kopf-shard-${names.ring}`;
  const running: Promise<void>[] = [
    runPeering({
      client,
      settings,
      identity: electing || sharded ? group : (options.identity ?? peeringIdentity()),
      leaveOnExit: !electing && !sharded,
      namespaces: options.namespaces,
      paused,
      signal: stop.signal,
    }),
  ];
  if (electing) {
    running.push(
      runLeaderElection({
        client,
        identity: options.identity ?? leaseIdentity(),
        ...lease,
        settings: settings.scaling,
        paused,
        signal: stop.signal,
      }),
    );
  }
  let shard: ShardMembership | undefined;
  if (sharded) {
    const identity = options.identity ?? leaseIdentity();
    shard = { names, member: memberName(identity), identity, namespace: lease.namespace };
    running.push(runMembership(client, shard, settings, paused, stop.signal));
  }
  const failure = Promise.all(running).then(() => new Promise<never>(() => {}));
  return {
    paused,
    shard,
    failure,
    async stop() {
      stop.abort();
      await Promise.allSettled(running);
    },
  };
}

/**
 * Hold this replica's membership Lease like a leader holds its Lease (the same twin and permission
 * checks): without it the replica is paused, as it is not on the ring. It must pause (renew deadline)
 * before the sharder may judge it dead (the Lease duration), so that its objects never run twice.
 */
function runMembership(
  client: ApiClient,
  shard: ShardMembership,
  settings: OperatorSettings,
  paused: ToggleSet,
  signal: AbortSignal,
): Promise<void> {
  const duration = settings.scaling.shardLeaseDuration;
  return runLeaderElection({
    client,
    identity: shard.identity,
    namespace: shard.namespace,
    name: shard.names.memberLease(shard.member),
    labels: { [RING_LABEL]: shard.names.ring },
    role: `member ${shard.member} of the ring ${shard.names.ring}`,
    purpose: SHARDING,
    settings: {
      leaseDuration: duration,
      renewDeadline: Math.min(settings.scaling.renewDeadline, (duration * 2) / 3),
      retryPeriod: Math.min(settings.scaling.retryPeriod, duration / 5),
    },
    paused,
    signal,
  });
}

/** Where the operator runs: `$POD_NAMESPACE`, the in-cluster ServiceAccount's namespace, or `default`. */
function ownNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  if (existsSync(IN_CLUSTER_NAMESPACE)) return readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim();
  return 'default';
}
