/**
 * Kopf-compatible peering (Kopf §7): keep-alives on the `default` (or `--peering NAME`) peering
 * object, and pausing while a live peer has a higher priority, or the same one (then everyone pauses,
 * with a warning). One toggle per peering object in the operator's {@link ToggleSet}; the watch
 * streams and daemons follow the set. Peering streams themselves are never paused.
 *
 * Modes: `standalone` → nothing. Auto-detection (default) → peering if the CRD is served; a missing
 * `default` object only makes keep-alives answer "not found". `mandatory` (`--peering NAME`) → paused
 * until the CRD exists and the object's board allows it.
 */
import { describeError } from '../../structs/errors.ts';
import { sleep } from '../../structs/timing.ts';
import type { ApiClient } from '../../client/types.ts';
import { getLogger } from '../../structs/logging.ts';
import type { OperatorSettings } from '../../structs/settings.ts';
import type { Toggle, ToggleSet } from '../../structs/toggles.ts';
import { servePerNamespace } from '../../watching/namespace-observer.ts';
import { isListedMarker, watchObjects } from '../../watching/stream.ts';
import { describeTarget, keepAlive, writeRecords, type PeeringTarget } from './keepalive.ts';
import { describePeers, judgePeers, parsePeers, peerRecord } from './peers.ts';
import { servedPeeringResources } from './resources.ts';

export interface PeeringOptions {
  client: ApiClient;
  settings: OperatorSettings;
  identity: string;
  /** The operator's namespace patterns; undefined when it serves the whole cluster. */
  namespaces: readonly string[] | undefined;
  /** The operator's pause switch: peering adds its toggles here. */
  paused: ToggleSet;
  signal: AbortSignal;
  /** Remove our record when stopping (default); see {@link keepAlive}. */
  leaveOnExit?: boolean;
}

const logger = getLogger('kopf.peering');

/** How often a mandatory peering re-checks for its CRD while it is missing. */
const CRD_RECHECK_SECONDS = 10;

/** Run the peering until `signal` aborts (then our records are removed). */
export async function runPeering(options: PeeringOptions): Promise<void> {
  const { client, settings, paused, signal } = options;
  if (settings.peering.standalone) return;
  const clusterwide = settings.peering.clusterwide ?? options.namespaces === undefined;
  // Mandatory peering pauses from the start: nothing is watched before the board allows it.
  const missing = paused.makeToggle('mandatory peering is not set up yet', settings.peering.mandatory);
  try {
    let resources = await lookUp(client, clusterwide, signal);
    let reported = false;
    while (!resources.length && settings.peering.mandatory && !signal.aborted) {
      if (!reported)
        logger.error(
          `Peering is mandatory (--peering ${settings.peering.name}), but the ${clusterwide ? 'ClusterKopfPeering' : 'KopfPeering'} ` +
            `CRD is missing: the operator stays paused until it exists (apply Kopf's peering.yaml).`,
        );
      reported = true;
      await sleep(CRD_RECHECK_SECONDS, signal);
      resources = await lookUp(client, clusterwide, signal);
    }
    if (!resources.length) {
      missing.turnTo(false);
      logger.debug('No peering CRDs are served: running without peering.');
      return;
    }
    const serve = (namespace: string | undefined, stop: AbortSignal) =>
      Promise.all(
        resources.map((resource) =>
          peerOn({ ...options, signal: stop }, { resource, namespace, name: settings.peering.name }),
        ),
      ).then(() => undefined);
    const serving =
      clusterwide || options.namespaces === undefined
        ? serve(undefined, signal)
        : servePerNamespace(client, options.namespaces, settings, signal, serve);
    // The per-object toggles (paused from the start if mandatory) exist now.
    missing.turnTo(false);
    await serving;
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    paused.dropToggle(missing);
  }
}

/** The served peering resources; trouble reaching the API is retried (it must not end the operator). */
async function lookUp(client: ApiClient, clusterwide: boolean, signal: AbortSignal) {
  while (!signal.aborted) {
    try {
      return await servedPeeringResources(client, clusterwide, signal);
    } catch (error) {
      if (signal.aborted) break;
      logger.warning(
        `Looking up the peering CRDs failed; retrying in ${CRD_RECHECK_SECONDS} s: ${describeError(error)}`,
      );
      await sleep(CRD_RECHECK_SECONDS, signal);
    }
  }
  return [];
}

/** Keep-alives and the board's observation for one peering object. */
async function peerOn(options: PeeringOptions, target: PeeringTarget): Promise<void> {
  const { client, settings, identity, paused, signal } = options;
  // Mandatory peering starts paused: nothing runs until the board has been seen and allows it.
  const conflicts = paused.makeToggle(`peers on ${describeTarget(target)}`, settings.peering.mandatory);
  let warnedMissing = false;
  const onFound = (found: boolean) => {
    if (found || !settings.peering.mandatory || warnedMissing) return;
    warnedMissing = true;
    logger.warning(
      `The peering object ${describeTarget(target)} does not exist: the operator stays paused until it is created.`,
    );
  };
  try {
    await Promise.all([
      keepAlive({
        client,
        target,
        identity,
        settings,
        signal,
        onFound,
        leaveOnExit: options.leaveOnExit !== false,
      }),
      observeBoard(options, target, conflicts),
    ]);
  } finally {
    paused.dropToggle(conflicts);
  }
}

/**
 * Watch the board and re-judge on every change. While peers block us, wake up at the earliest of
 * their deadlines and touch our own record: the resulting event re-judges with those peers dead.
 */
async function observeBoard(
  options: PeeringOptions,
  target: PeeringTarget,
  conflicts: Toggle,
): Promise<void> {
  const { client, settings, identity, signal } = options;
  let wakeup: NodeJS.Timeout | undefined;
  const touchLater = (seconds: number) => {
    clearTimeout(wakeup);
    wakeup = setTimeout(() => {
      // A fresh `lastseen` of our own record causes an event, which re-judges the board.
      const { priority, lifetime } = settings.peering;
      const record = { [identity]: peerRecord(priority, lifetime) };
      void writeRecords(client, target, record, signal).catch((error: unknown) =>
        logger.debug(`Touching ${describeTarget(target)} failed: ${describeError(error)}`),
      );
    }, seconds * 1000);
  };
  try {
    for await (const item of watchObjects(client, target.resource, target.namespace, settings, signal)) {
      if (isListedMarker(item) || item.object.metadata?.name !== target.name) continue;
      const peers = parsePeers(item.object.status);
      const verdict = judgePeers(peers, identity, settings.peering.priority);
      if (verdict.dead.length) {
        const removals = Object.fromEntries(verdict.dead.map((peer) => [peer.identity, null]));
        await writeRecords(client, target, removals, signal).catch((error: unknown) =>
          logger.warning(
            `Removing dead peers from ${describeTarget(target)} failed: ${describeError(error)}`,
          ),
        );
      }
      if (verdict.higher.length) {
        if (!conflicts.isOn()) {
          logger.info(`Pausing operations in favour of ${describePeers(verdict.higher)}.`);
          conflicts.turnTo(true);
        }
      } else if (verdict.same.length) {
        logger.warning(
          `Possibly conflicting operators with the same priority: ${describePeers(verdict.same)}.`,
        );
        if (!conflicts.isOn()) {
          logger.warning(`Pausing all operators, including self: ${describePeers(peers)}`);
          conflicts.turnTo(true);
        }
      } else if (conflicts.isOn()) {
        logger.info(
          'Resuming operations after the pause. Conflicting operators with the same priority are gone.',
        );
        conflicts.turnTo(false);
      }
      const blockers = [...verdict.higher, ...verdict.same];
      if (blockers.length) {
        const earliest = Math.min(...blockers.map((peer) => peer.deadline.getTime()));
        touchLater(Math.max(0, (earliest - Date.now()) / 1000));
      } else {
        clearTimeout(wakeup);
      }
    }
  } finally {
    clearTimeout(wakeup);
  }
}
