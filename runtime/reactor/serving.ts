/**
 * The root task that serves the resources (Kopf's orchestration): one watch stream + per-object
 * queues per (resource, namespace) through the watching layer, every object's events processed by
 * the processing layer; CRDs appearing or disappearing later start or stop their resources' serving.
 * On the stop, it waits for the watchers to drain and stops the daemons and timers (in memory: their
 * objects keep the finalizer) within the grace period.
 */
import { versionedName } from '../../common/resources.ts';
import { getLogger } from '../structs/logging.ts';
import { untilAborted } from '../structs/timing.ts';
import { servePerNamespace } from '../watching/namespace-observer.ts';
import { startWatcher, type Watcher } from '../watching/watcher.ts';
import { IndexingGate } from '../processing/indexing.ts';
import { createProcessor } from '../processing/processor.ts';
import { labelSelectorFor } from '../processing/selectors.ts';
import { Spawner } from '../processing/spawning.ts';
import type { OperatorContext } from './context.ts';
import { followResources } from './discovery.ts';
import { addStreamSource, type MeteredStream } from './metrics.ts';
import { resolveHandlers, resourceHandlers, type ServedResource } from './resolving.ts';
import { memberSelector } from './sharding/names.ts';
import { memberView } from './sharding/view.ts';

/** Serve every resource the handlers name until the operator stops. */
export async function serveResources(context: OperatorContext): Promise<void> {
  const { client, registry, settings, signal } = context;
  const logger = getLogger('kopf.operator');
  const streams = new Set<MeteredStream>();
  const unmeter = addStreamSource(() => streams);
  try {
    const served = await resolveHandlers(client, resourceHandlers(registry), signal);
    // Indexes start empty in every run; resource handlers wait until all of them are populated.
    for (const indexer of registry.indexing) indexer.store.clear();
    const shared: SharedServing = { context, gate: new IndexingGate(), spawners: [], streams };
    if (served.size === 0) logger.warning('No resources are served: nothing to do until stopped.');
    // Resources come and go with their CRDs (run-time discovery).
    const following = followResources({
      client,
      settings,
      registry,
      initial: served,
      signal,
      doing: 'serving it',
      serve: (entry, stop) => serveResource(shared, entry, stop),
    });
    await untilAborted(signal);
    // Daemons and timers are stopped in memory (their objects keep the finalizer), within the grace.
    const grace = settings.process.gracefulShutdownTimeout;
    await Promise.all([following, ...shared.spawners.map((spawner) => spawner.stopAll(grace))]);
  } finally {
    unmeter();
  }
}

/** What all served resources of one operator share. */
interface SharedServing {
  context: OperatorContext;
  /** Resource handlers wait until every index of the operator is populated. */
  gate: IndexingGate;
  /** Every resource's daemons and timers, stopped together at the operator's stop. */
  spawners: Spawner[];
  /** The running watch streams, whose counters are exported as metrics. */
  streams: Set<MeteredStream>;
}

/** Serve one resource until `stopped` aborts (the operator stops, or the resource's CRD is deleted). */
function serveResource(shared: SharedServing, served: ServedResource, stopped: AbortSignal): Promise<void> {
  const { client, settings, memo, signal, stats, namespaces, shard } = shared.context;
  const { resource, handlers, kinds } = served;
  const { gate } = shared;
  const spawner = kinds.spawning.length
    ? new Spawner({ client, resource, settings, handlers: kinds.spawning, paused: shared.context.paused })
    : undefined;
  if (spawner) shared.spawners.push(spawner);
  const processor = createProcessor({
    client,
    resource,
    handlers,
    settings,
    memo,
    signal,
    stats,
    rawEvents: kinds.rawEvents,
    indexing: kinds.indexing,
    gate,
    spawner,
    ...(shard ? { shard: memberView(client, resource, shard.names, shard.member) } : {}),
  });
  // Objects that no handler of this resource can match need not reach the process at all; sharded,
  // only this replica's own objects do.
  const selector = labelSelectorFor({ changing: handlers, ...kinds });
  const labelSelector = shard ? memberSelector(shard.names, shard.member, selector) : selector;
  const start = (namespace: string | undefined, stop: AbortSignal): Watcher => {
    const listing = `${versionedName(resource)}@${namespace ?? '*'}`;
    const indexed = kinds.indexing.length > 0;
    if (indexed) gate.expect(listing);
    const watcher = startWatcher({
      client,
      resource,
      namespace,
      settings,
      processor,
      signal: stop,
      paused: shared.context.paused,
      onListed: indexed ? () => gate.listed(listing) : undefined,
      labelSelector,
    });
    const metered = { resource, namespace, stats: watcher.stats };
    shared.streams.add(metered);
    void watcher.done.finally(() => shared.streams.delete(metered));
    return watcher;
  };
  const watching =
    !resource.namespaced || namespaces === undefined
      ? start(undefined, stopped).done
      : servePerNamespace(client, namespaces, settings, stopped, (ns, stop) => start(ns, stop).done);
  return watching.then(async () => {
    // A resource that went away (its CRD was deleted) stops its daemons now; at the operator's
    // stop, all spawners are stopped together.
    if (spawner && !signal.aborted) await spawner.stopAll(settings.process.gracefulShutdownTimeout);
  });
}
