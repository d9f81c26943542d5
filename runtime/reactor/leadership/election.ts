/**
 * Leader election over one `coordination.k8s.io/v1` Lease (`kopf run --leader-elect`): the holder is
 * the only active replica; the others stand by, paused, and take over when the holder releases the
 * Lease (graceful stop: at once) or stops renewing it (a crash: after `leaseDuration`). A holder that
 * cannot renew within `renewDeadline` pauses itself before anyone else may take over.
 *
 * Expiry is judged by our own clock from the moment we saw the record change (as client-go does), so
 * clock skew between replicas does not matter. Two processes with the same identity are detected
 * through the incarnation annotation: the one that finds a live twin renewing "its" Lease fails with
 * a clear error instead of a split brain.
 */
import { randomUUID } from 'node:crypto';
import { isApiError } from '../../client/errors.ts';
import { resourcePath } from '../../client/paths.ts';
import { sleep } from '../../structs/timing.ts';
import type { ApiClient } from '../../client/types.ts';
import { describeError } from '../../structs/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import type { ScalingSettings } from '../../structs/settings.ts';
import type { ToggleSet } from '../../structs/toggles.ts';
import { heldLease, incarnationOf, LEASES, releasedLease, renewalMark, type Lease } from './leases.ts';

export interface LeaderElectionOptions {
  client: ApiClient;
  identity: string;
  namespace: string;
  name: string;
  settings: Pick<ScalingSettings, 'leaseDuration' | 'renewDeadline' | 'retryPeriod'>;
  /** The operator's pause switch: standing by is one of its toggles. */
  paused: ToggleSet;
  /** Aborted when the operator has finished its work: the Lease is released then. */
  signal: AbortSignal;
  /** What holding the Lease makes this replica, for log lines (default: `the leader`). */
  role?: string;
  /** Labels of the Lease (e.g. the ring of sharding's membership Leases, which the sharder lists). */
  labels?: Record<string, string>;
  /** Who uses the Lease and the verbs it needs, for errors naming a missing permission. */
  purpose?: { name: string; needs: string };
}

const ELECTION = { name: 'Leader election', needs: 'get, create, update' };

/** Leader election cannot work as configured (a twin identity, a missing permission). */
export class LeaderElectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaderElectionError';
  }
}

const logger = getLogger('kopf.leadership');

/** Compete for the Lease until `signal` aborts; rejects only with a {@link LeaderElectionError}. */
export async function runLeaderElection(options: LeaderElectionOptions): Promise<void> {
  const {
    client,
    identity,
    namespace,
    name,
    settings,
    signal,
    role = 'the leader',
    purpose = ELECTION,
  } = options;
  const where = `${namespace}/${name}`;
  const standby = options.paused.makeToggle(`standby: not ${role} (Lease ${where})`, true);
  const holder = {
    identity,
    incarnation: randomUUID(),
    duration: settings.leaseDuration,
    ...(options.labels ? { labels: options.labels } : {}),
  };
  const target = { namespace, name };
  const path = resourcePath(LEASES, namespace, name);
  let lastRenewal = 0;
  let observed: { mark: string; at: number } | undefined;
  let twin: string | undefined;
  let reportedHolder: string | undefined;

  const request = <T>(method: string, body?: Lease): Promise<T> => {
    const timeout = AbortSignal.timeout(settings.renewDeadline * 1000);
    const options = { signal: AbortSignal.any([signal, timeout]), ...(body ? { body } : {}) };
    return client.request<T>(method, method === 'POST' ? resourcePath(LEASES, namespace) : path, options);
  };
  const lead = () => {
    lastRenewal = Date.now();
    if (!standby.isOn()) return;
    logger.info(`Acquired the Lease ${where} as ${identity}: this replica is ${role}.`);
    reportedHolder = undefined;
    standby.turnTo(false);
  };
  const stepDown = (why: string) => {
    if (standby.isOn()) return;
    logger.warning(`Lost the Lease ${where} (${why}): pausing; this replica stands by.`);
    standby.turnTo(true);
  };

  try {
    while (!signal.aborted) {
      try {
        const current = await request<Lease>('GET').catch((error: unknown) => {
          if (isApiError(error, 404)) return undefined;
          throw error;
        });
        const now = Date.now();
        if (!current) {
          await request('POST', heldLease(undefined, target, holder, new Date(now)));
          lead();
        } else {
          const mark = renewalMark(current);
          if (observed?.mark !== mark) observed = { mark, at: now };
          const spec = current.spec ?? {};
          const ours = spec.holderIdentity === identity && incarnationOf(current) === holder.incarnation;
          const lifetime = (spec.leaseDurationSeconds ?? settings.leaseDuration) * 1000;
          const expired = !spec.holderIdentity || observed.at + lifetime <= now;
          if (!ours && spec.holderIdentity === identity && !expired) {
            // Our identity, not our incarnation: a crashed predecessor never renews; a twin does.
            stepDown('another process holds it under the same identity');
            if (twin !== undefined && twin !== mark) throw twinError(identity, where);
            twin = mark;
          } else if (ours || expired) {
            await request('PUT', heldLease(current, target, holder, new Date(now)));
            lead();
          } else {
            stepDown(`held by ${spec.holderIdentity}`);
            if (reportedHolder !== spec.holderIdentity) {
              reportedHolder = spec.holderIdentity;
              logger.info(`Standing by: the Lease ${where} is held by ${spec.holderIdentity}.`);
            }
          }
        }
      } catch (error) {
        if (error instanceof LeaderElectionError) throw error;
        if (signal.aborted) break;
        if (isApiError(error, 403)) {
          const verb = VERBS[error.request.split(' ')[0] ?? ''] ?? error.request;
          throw leasePermissionError(purpose, where, verb, error.message);
        }
        // 409: someone else wrote the Lease first; anything else: the API is unreachable for now.
        if (!isApiError(error, 409))
          logger.warning(`Leader election on Lease ${where}: ${describeError(error)}`);
      }
      if (!standby.isOn() && Date.now() - lastRenewal > settings.renewDeadline * 1000)
        stepDown(`not renewed within ${settings.renewDeadline} s`);
      await sleep(settings.retryPeriod, signal);
    }
  } finally {
    if (!standby.isOn()) await release(client, path, where);
    standby.turnTo(true);
  }
}

/** Graceful stop: hand the Lease over at once instead of letting it expire. */
async function release(client: ApiClient, path: string, where: string): Promise<void> {
  const signal = AbortSignal.timeout(5000);
  try {
    const current = await client.request<Lease>('GET', path, { signal });
    await client.request('PUT', path, { signal, body: releasedLease(current, new Date()) });
    logger.info(`Released the Lease ${where}.`);
  } catch (error) {
    logger.warning(`Could not release the Lease ${where} (it expires by itself): ${describeError(error)}`);
  }
}

function twinError(identity: string, where: string): LeaderElectionError {
  return new LeaderElectionError(
    `Another replica with the same identity '${identity}' holds the Lease ${where} and keeps renewing it. ` +
      `Every replica needs its own identity: give each one a different --id, or set $POD_NAME ` +
      `(env: valueFrom.fieldRef.fieldPath: metadata.name).`,
  );
}

/** A refused request on Leases as a clear error naming the missing rule. */
export function leasePermissionError(
  purpose: { name: string; needs: string },
  where: string,
  verb: string,
  detail: string,
): LeaderElectionError {
  const namespace = where.split('/')[0];
  return new LeaderElectionError(
    `${purpose.name} is not permitted to ${verb} the Lease ${where}. Missing RBAC rule in namespace ${namespace}: ` +
      `apiGroups ["coordination.k8s.io"], resources ["leases"], verbs ["${verb}"] ` +
      `(${purpose.name.toLowerCase()} needs ${purpose.needs}). The API said: ${detail}`,
  );
}

const VERBS: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'update' };
