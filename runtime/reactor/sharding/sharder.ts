/**
 * The sharder (docs/scaling.md): one replica of a sharded group, elected through the Lease
 * `kopf-sharder-<ring>`, assigns every served object to a member of the ring by labelling it.
 *
 * - Members are the ring's live membership Leases, judged by our own clock (as leader election
 *   judges its Lease). A Lease that stopped renewing for its duration, or was released, is deleted
 *   (with its resourceVersion as a precondition: the deletion proves that the API still hears us
 *   and that nobody renewed it meanwhile), and its objects move at once.
 * - A new object gets the label of its member on the ring (a moment unassigned: nobody handles it).
 * - An object whose member is alive but no longer its place on the ring is drained: labelled
 *   `kopf.dev/drain-<ring>`; its member acknowledges by removing both labels once its handlers
 *   finished and its daemons stopped; then it is assigned anew.
 *
 * Every label patch carries the object's resourceVersion: a conflict means the sharder's picture
 * was stale, and the object's next event brings it up to date.
 */
import { versionedName, type ResourceInfo } from '../../../common/resources.ts';
import { isApiError } from '../../client/errors.ts';
import { resourcePath } from '../../client/paths.ts';
import type { ApiClient } from '../../client/types.ts';
import { labelSelectorFor } from '../../processing/selectors.ts';
import type { KubernetesObject } from '../../structs/bodies.ts';
import { describeError } from '../../structs/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import { sleep } from '../../structs/timing.ts';
import { ToggleSet, type PauseSwitch } from '../../structs/toggles.ts';
import { servePerNamespace } from '../../watching/namespace-observer.ts';
import { isListedMarker, watchObjects } from '../../watching/stream.ts';
import type { OperatorContext, ShardMembership } from '../context.ts';
import { leasePermissionError, runLeaderElection } from '../leadership/election.ts';
import { LEASES, renewalMark, type Lease } from '../leadership/leases.ts';
import { followResources } from '../discovery.ts';
import { resolveHandlers, resourceHandlers, type ServedResource } from '../resolving.ts';
import { memberName, RING_LABEL, SHARDING } from './names.ts';
import { makeRing, shardingKey, type Ring } from './ring.ts';

const logger = getLogger('kopf.sharding');

/** Label patches in flight at once: enough to keep up with creations, few enough for the API. */
const PATCH_CONCURRENCY = 8;

/**
 * The root task of sharding: while this replica works (it is a member and not paused by peering),
 * compete for the sharder's Lease, and shard while holding it. A replica that pauses releases the
 * Lease, so that a working replica becomes the sharder.
 */
export async function shardObjects(context: OperatorContext): Promise<void> {
  const { shard, client, settings } = context;
  if (!shard) return;
  await whileOff(context.paused, context.signal, async (working) => {
    const standby = new ToggleSet();
    await Promise.all([
      runLeaderElection({
        client,
        identity: shard.identity,
        namespace: shard.namespace,
        name: shard.names.sharderLease,
        role: `the sharder of the ring ${shard.names.ring}`,
        purpose: SHARDING,
        settings: settings.scaling,
        paused: standby,
        signal: working,
      }),
      whileOff(standby, working, (sharding) => runSharder(context, shard, sharding)),
    ]);
  });
}

/** Run `task` whenever `paused` is off, with a signal that aborts when it turns on; until `signal` aborts. */
async function whileOff(
  paused: PauseSwitch,
  signal: AbortSignal,
  task: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  while (!signal.aborted) {
    await paused.waitFor(false, signal);
    if (signal.aborted) break;
    const session = new AbortController();
    const unsubscribe = paused.onChange((on) => on && session.abort());
    if (paused.isOn()) session.abort(); // turned on again before we subscribed
    try {
      await task(AbortSignal.any([signal, session.signal]));
    } finally {
      unsubscribe();
    }
  }
}

/** What the sharder knows of one object. */
interface Entry {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string;
  key: string;
  member: string | undefined;
  draining: boolean;
  resourceVersion: string | undefined;
}

/** One term as the sharder: until `signal` aborts (stop, pause, or the sharder's Lease lost). */
async function runSharder(
  context: OperatorContext,
  shard: ShardMembership,
  signal: AbortSignal,
): Promise<void> {
  const { client, settings, registry, namespaces } = context;
  const { names } = shard;
  const entries = new Map<string, Entry>();
  let ring: Ring = makeRing([], settings.scaling.virtualNodes);
  const queue = new Set<string>();
  const busy = new Set<string>();

  const reconcile = async (uid: string): Promise<void> => {
    const entry = entries.get(uid);
    const wanted = entry && ring.owner(entry.key);
    if (!entry || !wanted) return;
    const { member, draining } = entry;
    let labels: Record<string, string | null>;
    if (member === wanted) return; // a drain towards the same member is acknowledged, then reassigned
    if (member === undefined || !ring.members.includes(member)) {
      labels = { [names.shardLabel]: wanted, [names.drainLabel]: null };
    } else if (!draining) {
      labels = { [names.drainLabel]: 'true' };
    } else {
      return; // waiting for the member's acknowledgement
    }
    try {
      const body = { metadata: { resourceVersion: entry.resourceVersion, labels } };
      logger.debug(`Labelling ${describeObject(entry)}: ${JSON.stringify(labels)}`);
      // The answer is not remembered: it may arrive after newer watch events of the object (its
      // member's writes), and would then make our picture older. Our own change comes as an event.
      const patched = await client.patch(entry.resource, entry.namespace, entry.name, body, { signal });
      if (!patched) entries.delete(uid); // gone meanwhile (its DELETED may have been missed in a watch gap)
    } catch (error) {
      if (signal.aborted) return;
      if (isApiError(error, 409)) {
        // Stale: the object changed since the event we know; its next event brings the news.
        logger.debug(`Labelling ${describeObject(entry)} conflicted; waiting for its next event.`);
        return;
      }
      logger.warning(`Could not label ${describeObject(entry)}: ${describeError(error)}`);
    }
  };
  const pump = (): void => {
    for (const uid of queue) {
      if (signal.aborted || busy.size >= PATCH_CONCURRENCY) return;
      if (busy.has(uid)) continue;
      queue.delete(uid);
      busy.add(uid);
      void reconcile(uid).finally(() => {
        busy.delete(uid);
        pump();
      });
    }
  };
  const schedule = (uid: string): void => {
    queue.delete(uid); // re-inserted at the end: a busy object's news waits its turn
    queue.add(uid);
    pump();
  };
  const remember = (uid: string, resource: ResourceInfo, object: KubernetesObject): void => {
    const meta = object.metadata ?? {};
    entries.set(uid, {
      resource,
      namespace: meta.namespace,
      name: meta.name ?? '',
      key: shardingKey(resource, object),
      member: meta.labels?.[names.shardLabel],
      draining: meta.labels?.[names.drainLabel] !== undefined,
      resourceVersion: meta.resourceVersion,
    });
  };

  logger.info(`Sharding the objects among the members of the ring ${names.ring}.`);
  const members = watchMembers(client, shard, settings.scaling, signal, (live) => {
    ring = makeRing(live, settings.scaling.virtualNodes);
    logger.info(`The ring ${names.ring} has ${live.length} member(s): ${live.join(', ') || 'none'}.`);
    for (const uid of entries.keys()) schedule(uid);
  });
  const served = await resolveHandlers(client, resourceHandlers(registry), signal, { quiet: true });
  const consumeAll = ({ resource, handlers, kinds }: ServedResource, stop: AbortSignal): Promise<void> => {
    const labelSelector = labelSelectorFor({ changing: handlers, ...kinds });
    const consume = async (namespace: string | undefined, stopped: AbortSignal): Promise<void> => {
      // Metadata only: labels, owners and versions are all the sharder needs of the objects.
      const options = { labelSelector, metadataOnly: true };
      for await (const item of watchObjects(client, resource, namespace, settings, stopped, options)) {
        if (isListedMarker(item)) continue;
        const uid = item.object.metadata?.uid ?? '';
        if (item.type === 'DELETED') {
          entries.delete(uid);
          continue;
        }
        remember(uid, resource, item.object);
        schedule(uid);
      }
    };
    return !resource.namespaced || namespaces === undefined
      ? consume(undefined, stop)
      : servePerNamespace(client, namespaces, settings, stop, consume);
  };
  // Resources whose CRDs appear later are sharded at once, as the watchers serve them at once.
  const sharding = followResources({
    client,
    settings,
    registry,
    initial: served,
    signal,
    doing: 'sharding its objects',
    serve: consumeAll,
  });
  await Promise.all([members, sharding]);
}

/**
 * Poll the ring's membership Leases until `signal` aborts; call `onChange` with the live members
 * whenever they change. Expired and released Leases are deleted (see the module's comment).
 */
async function watchMembers(
  client: ApiClient,
  shard: ShardMembership,
  scaling: { shardLeaseDuration: number; retryPeriod: number },
  signal: AbortSignal,
  onChange: (live: string[]) => void,
): Promise<void> {
  const observed = new Map<string, { mark: string; at: number }>();
  let current: string | undefined;
  const period = Math.min(scaling.retryPeriod, scaling.shardLeaseDuration / 5);
  while (!signal.aborted) {
    try {
      const listing = await client.list(LEASES, shard.namespace, {
        signal,
        labelSelector: `${RING_LABEL}=${shard.names.ring}`,
      });
      const now = Date.now();
      const live: string[] = [];
      for (const item of listing.items) {
        const lease = item as Lease;
        const name = lease.metadata?.name ?? '';
        const mark = renewalMark(lease);
        if (observed.get(name)?.mark !== mark) observed.set(name, { mark, at: now });
        const holder = lease.spec?.holderIdentity;
        const lifetime = (lease.spec?.leaseDurationSeconds ?? scaling.shardLeaseDuration) * 1000;
        const expired = (observed.get(name)?.at ?? now) + lifetime <= now;
        if (holder && !expired) live.push(memberName(holder));
        else if (await removeLease(client, lease, signal)) observed.delete(name);
        else if (holder) live.push(memberName(holder)); // renewed meanwhile: alive after all
      }
      live.sort();
      const summary = live.join(',');
      if (summary !== current) {
        current = summary;
        onChange(live);
      }
    } catch (error) {
      if (signal.aborted) break;
      if (isApiError(error, 403)) {
        const verb = error.request.startsWith('DELETE') ? 'delete' : 'list';
        throw leasePermissionError(
          SHARDING,
          `${shard.namespace}/${shard.names.memberLease('*')}`,
          verb,
          error.message,
        );
      }
      logger.warning(`Listing the members of the ring ${shard.names.ring} failed: ${describeError(error)}`);
    }
    await sleep(period, signal);
  }
}

/** Delete an expired or released membership Lease unless it changed since we saw it. */
async function removeLease(client: ApiClient, lease: Lease, signal: AbortSignal): Promise<boolean> {
  const { name = '', namespace, resourceVersion } = lease.metadata ?? {};
  const holder = lease.spec?.holderIdentity;
  try {
    await client.request('DELETE', resourcePath(LEASES, namespace, name), {
      signal,
      body: { preconditions: { resourceVersion } },
    });
    logger.info(
      holder
        ? `The member ${holder} stopped renewing its Lease ${namespace}/${name}: its objects move now.`
        : `The member Lease ${namespace}/${name} was released: its objects move now.`,
    );
    return true;
  } catch (error) {
    if (isApiError(error, 404)) return true;
    if (isApiError(error, 409)) return false;
    throw error;
  }
}

function describeObject(entry: Entry): string {
  const name = entry.namespace ? `${entry.namespace}/${entry.name}` : entry.name;
  return `${versionedName(entry.resource)} ${name}`;
}
