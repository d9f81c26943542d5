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
  const electing = settings.scaling.leaderElection;
  const running: Promise<void>[] = [
    runPeering({
      client,
      settings,
      // A leader-elected group is one peer: its replicas share one record (so that they never pause
      // each other as same-priority peers) and no standby removes it when it stops.
      identity: electing ? `${lease.namespace}/${lease.name}` : (options.identity ?? peeringIdentity()),
      leaveOnExit: !electing,
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
  const failure = Promise.all(running).then(() => new Promise<never>(() => {}));
  return {
    paused,
    failure,
    async stop() {
      stop.abort();
      await Promise.allSettled(running);
    },
  };
}

/** Where the operator runs: `$POD_NAMESPACE`, the in-cluster ServiceAccount's namespace, or `default`. */
function ownNamespace(): string {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  if (existsSync(IN_CLUSTER_NAMESPACE)) return readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim();
  return 'default';
}
