/**
 * Writing to the peering board: our own record (a keep-alive), its removal, and the removal of dead
 * peers — all as merge-patches of `status.<identity>` (the peering CRDs have no status subresource).
 */
import { PEERING_VERBS } from '../../../common/peering.ts';
import type { ResourceInfo } from '../../../common/resources.ts';
import { isApiError } from '../../client/errors.ts';
import { sleep } from '../../structs/timing.ts';
import type { ApiClient } from '../../client/types.ts';
import { describeError } from '../../structs/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import type { OperatorSettings } from '../../structs/settings.ts';
import { peerRecord, type PeerRecord } from './peers.ts';

/** One peering object: the board of one neighbourhood in one namespace (or cluster-wide). */
export interface PeeringTarget {
  resource: ResourceInfo;
  /** undefined for ClusterKopfPeering. */
  namespace: string | undefined;
  name: string;
}

const logger = getLogger('kopf.peering');

/** `'default' in 'ns1'` / `'default' cluster-wide`, as Kopf words it. */
export function describeTarget(target: PeeringTarget): string {
  const where = target.namespace ? `in '${target.namespace}'` : 'cluster-wide';
  return `'${target.name}' (${target.resource.kind}) ${where}`;
}

/**
 * Set (or, with `null`, remove) records on the board. Resolves `false` if the peering object does
 * not exist. A missing permission is reported with the RBAC rule it needs.
 */
export async function writeRecords(
  client: ApiClient,
  target: PeeringTarget,
  records: Record<string, PeerRecord | null>,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const patched = await client.patch(
      target.resource,
      target.namespace,
      target.name,
      { status: records },
      signal ? { signal } : {},
    );
    return patched !== undefined;
  } catch (error) {
    if (isApiError(error, 403)) throw new PeeringPermissionError(target, error.message);
    throw error;
  }
}

/** A 403 on the peering object: names the rule that the operator's RBAC lacks (what kopf-gen grants). */
export class PeeringPermissionError extends Error {
  constructor(target: PeeringTarget, detail: string) {
    const { group, plural } = target.resource;
    super(
      `Peering needs "patch" on ${plural}.${group}${target.namespace ? ` in namespace ${target.namespace}` : ''} ` +
        `(RBAC rule: apiGroups [${group}], resources [${plural}], verbs [${PEERING_VERBS.join(', ')}]): ${detail}`,
    );
    this.name = 'PeeringPermissionError';
  }
}

/**
 * Keep our record fresh until `signal` aborts: every `lifetime − 5..10` s (at least 1 s), as in Kopf;
 * then remove it, so that peers resume at once instead of waiting for it to expire. `onMissing` is
 * told whether the peering object exists after each attempt.
 */
export async function keepAlive(options: {
  client: ApiClient;
  target: PeeringTarget;
  identity: string;
  settings: OperatorSettings;
  signal: AbortSignal;
  onFound?: (found: boolean) => void;
  /** Remove our record at the end (default). Off for an identity shared by a leader-elected group. */
  leaveOnExit?: boolean;
}): Promise<void> {
  const { client, target, identity, settings, signal } = options;
  while (!signal.aborted) {
    const { priority, lifetime } = settings.peering;
    try {
      const found = await writeRecords(
        client,
        target,
        { [identity]: peerRecord(priority, lifetime) },
        signal,
      );
      options.onFound?.(found);
      if (!settings.peering.stealth || !found)
        logger.debug(`Keep-alive in ${describeTarget(target)}: ${found ? 'ok' : 'not found'}.`);
    } catch (error) {
      if (signal.aborted) break;
      logger.error(`Keep-alive in ${describeTarget(target)} failed: ${describeError(error)}`);
    }
    const jitter = 5 + Math.floor(Math.random() * 6);
    await sleep(Math.max(1, Math.min(lifetime, lifetime - jitter)), signal);
  }
  if (options.leaveOnExit === false) return;
  try {
    // The operator is stopping: the removal gets a short time of its own, not the aborted signal.
    await writeRecords(client, target, { [identity]: null }, AbortSignal.timeout(5000));
  } catch (error) {
    logger.warning(
      `Couldn't remove self from the peering ${describeTarget(target)}: ${describeError(error)}`,
    );
  }
}
