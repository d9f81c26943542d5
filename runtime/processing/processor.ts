/**
 * The processing of one object's events (Kopf's `process_resource_event`, change handlers only):
 * consistency wait → cause detection → filters → finalizer → change handlers (state, results, purge,
 * diff-base) → finalizer release → one PATCH → sleep-and-touch for delayed handlers. Framework errors
 * are throttled per object with `settings.queueing.errorDelays` and logged naming the object.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { reduceDiff } from '../structs/diffs.ts';
import { deepCopy, deepEqual, resolveField } from '../structs/dicts.ts';
import { isEnabledFor, type Logger } from '../structs/logging.ts';
import { mergeInto, pruneEmpty } from '../structs/patches.ts';
import type { Outcome } from '../structs/progress.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { formatTimestamp } from '../structs/times.ts';
import type { ObjectKey, ObjectProcessor, WatchEvent } from '../watching/types.ts';
import { applyCyclePatch, emptyCyclePatch, isEmptyCyclePatch, type CyclePatch } from './application.ts';
import { detectChangingCause, HANDLER_CAUSES, type ChangingCause } from './causes.ts';
import { diffbaseAnnotations, readDiffbase } from './diffbase.ts';
import { essenceOf } from './essence.ts';
import { executeOnce } from './execution.ts';
import { IndexingGate, runIndexers } from './indexing.ts';
import { newHandlerPatch as freshHandlerPatch, resourceKwargs, type ResourceKwargs } from './kwargs.ts';
import { applyReaction } from './reactions.ts';
import type { Spawner } from './spawning.ts';
import { withSubhandling } from './subhandling.ts';
import { matchingWatchers, runEventHandlers } from './watching-handlers.ts';
import { addFinalizer, hasFinalizer, isDeletionOngoing, removeFinalizer } from './finalizers.ts';
import type {
  ChangeKwargs,
  ChangingHandler,
  FilterKwargs,
  HandlerPatch,
  IndexingHandler,
  WatchingHandler,
} from './handlers.ts';
import { selectHandlers } from './lifecycles.ts';
import { objectLogger } from './loggers.ts';
import { anyPrematches, handlersForCause, requiresFinalizer } from './matching.ts';
import { ObjectMemories, type ObjectMemory } from './memories.ts';
import * as states from './state.ts';
import { sleepUnless } from '../structs/timing.ts';
import { progressStorage, STATUS_PROGRESS_FIELD } from './storage.ts';

/** Kopf re-checks long delays at least this often (and touches the object to do so). */
const KEEPALIVE_INTERVAL = 600;

/** Counters for measurements and tests. */
export interface ProcessingStats {
  cycles: number;
  patches: number;
}

export interface ProcessorOptions {
  client: ApiClient;
  resource: ResourceInfo;
  /** The change handlers of this resource, in registration order. */
  handlers: readonly ChangingHandler[];
  settings: OperatorSettings;
  /** The operator's memo; each object gets a shallow copy. */
  memo?: Record<string, unknown>;
  /** Aborted when the operator stops: sleeps end, handlers see it as `signal`. */
  signal: AbortSignal;
  stats?: ProcessingStats;
  /** `kopf.on.event` handlers of this resource. */
  watching?: readonly WatchingHandler[];
  /** `kopf.index` handlers of this resource. */
  indexing?: readonly IndexingHandler[];
  /** The daemons and timers of this resource (their tasks live as long as the operator). */
  spawner?: Spawner;
  /** Resource handlers wait for it: all indexes of the operator are populated. */
  gate?: IndexingGate;
}

export function createProcessor(options: ProcessorOptions): ObjectProcessor {
  const memories = new ObjectMemories(options.memo ?? {});
  return async (key: ObjectKey, event: WatchEvent, pressure: AbortSignal): Promise<void> => {
    // Indexes first, for every event (so other objects' handlers see this one), then the gate.
    const indexers = options.indexing ?? [];
    if (indexers.length) {
      const logger = objectLogger(event.object, options.settings);
      const kwargs = spyKwargs(event.object, logger, {}, options);
      const index = () => runIndexers(indexers, event, kwargs, logger);
      await (options.gate ? options.gate.track(index) : index());
    }
    await options.gate?.ready(options.signal);
    if (options.signal.aborted) return;
    await spy(options, event, memories.recall(key.uid, event.type === null));
    if (event.type === 'DELETED') {
      options.spawner?.forget(key.uid);
      memories.forget(key.uid);
      const logger = objectLogger(event.object, options.settings);
      if (anyPrematches(options.handlers, filterKwargsForGone(event.object, logger, options))) {
        logger.debug('Deleted, really deleted, and we are notified.');
      }
      return;
    }
    const memory = memories.recall(key.uid, event.type === null);
    for (;;) {
      try {
        await processEvent(options, event, memory, pressure);
        memory.errorsInRow = 0;
        return;
      } catch (error) {
        const logger = objectLogger(event.object, options.settings);
        const delays = options.settings.queueing.errorDelays;
        const delay = delays[Math.min(memory.errorsInRow, delays.length - 1)] ?? 60;
        memory.errorsInRow++;
        logger.exception(
          `Throttling for ${delay} seconds due to an unexpected error: ${describe(error)}`,
          error,
        );
        if (!(await sleepUnless(delay, pressure, options.signal))) return;
        logger.info('Throttling is over. Switching back to normal operations.');
      }
    }
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function numericVersion(rv: string | undefined): bigint | undefined {
  return rv && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/**
 * Whether the event reflects our last PATCH. The API says resourceVersions are opaque; the apiserver's
 * etcd-backed versions are increasing integers, so a newer one also proves the patch was seen (a
 * coalescing queue may skip the exact echo).
 */
function isConsistent(memory: ObjectMemory, body: KubernetesObject): boolean {
  const expected = memory.expectedVersion;
  const actual = body.metadata?.resourceVersion;
  if (expected === undefined || actual === expected) return true;
  const [e, a] = [numericVersion(expected), numericVersion(actual)];
  return e !== undefined && a !== undefined && a >= e;
}

function newHandlerPatch(): HandlerPatch {
  return { metadata: { labels: {}, annotations: {} }, spec: {}, status: {} };
}

function baseKwargs(
  body: KubernetesObject,
  cause: Pick<ChangingCause, 'diff' | 'old' | 'new'> & { reason: ChangeKwargs['reason'] },
  patch: HandlerPatch,
  logger: Logger,
  memo: Record<string, unknown>,
  options: ProcessorOptions,
): FilterKwargs {
  return {
    ...resourceKwargs({ body, patch, logger, memo, resource: options.resource, signal: options.signal }),
    reason: cause.reason,
    diff: cause.diff,
    old: cause.old,
    new: cause.new,
  };
}

function filterKwargsForGone(
  body: KubernetesObject,
  logger: Logger,
  options: ProcessorOptions,
): FilterKwargs {
  return baseKwargs(
    body,
    { reason: 'delete', diff: [], old: undefined, new: undefined },
    newHandlerPatch(),
    logger,
    {},
    options,
  );
}

/** For field handlers, `old`/`new`/`diff` are narrowed to the field. */
function handlerKwargs(handler: ChangingHandler, kwargs: FilterKwargs): FilterKwargs {
  if (!handler.field) return kwargs;
  return {
    ...kwargs,
    old: resolveField(kwargs.old, handler.field),
    new: resolveField(kwargs.new, handler.field),
    diff: reduceDiff(kwargs.diff, handler.field),
  };
}

async function processEvent(
  options: ProcessorOptions,
  event: WatchEvent,
  memory: ObjectMemory,
  pressure: AbortSignal,
): Promise<void> {
  const { settings, handlers } = options;
  const persistence = settings.persistence;
  const body = event.object;
  const logger = objectLogger(body, settings);

  // Never run change handlers on a copy older than our own last PATCH.
  if (!isConsistent(memory, body)) {
    const remaining = (memory.expectedDeadline - Date.now()) / 1000;
    if (remaining > 0) {
      logger.debug(
        `Waiting for the resourceVersion ${memory.expectedVersion} for up to ${remaining.toFixed(1)} s.`,
      );
      if (!(await sleepUnless(remaining, pressure, options.signal))) return; // a newer event (or the stop) decides
    }
  }
  memory.expectedVersion = undefined;
  if (options.signal.aborted) return;
  // Releasing the last finalizer does not bump the resourceVersion, so echoes of our earlier patches
  // (still carrying the finalizer) can arrive after it and look consistent: they are stale, and the
  // deletion handlers, whose progress was purged, must not run again for them.
  if (memory.deletionReleased && isDeletionOngoing(body)) {
    logger.debug('The deletion is already handled; a stale copy of the object is ignored.');
    return;
  }

  const storage = progressStorage(persistence);
  const extraFields = handlers.flatMap((h) => (h.field ? [h.field] : []));
  const newEssence = essenceOf(body, {
    prefix: persistence.annotationsPrefix,
    extraFields,
    progressField: STATUS_PROGRESS_FIELD,
  });
  const oldEssence = readDiffbase(body, persistence);
  const cause = detectChangingCause({
    event,
    body,
    old: oldEssence,
    new: newEssence,
    initial: memory.noticedByListing && !memory.fullyHandledOnce,
    finalizer: persistence.finalizer,
  });
  const reason = HANDLER_CAUSES[cause.kind]?.reason ?? 'update';
  const userPatch = newHandlerPatch();
  const kwargs = baseKwargs(body, { ...cause, reason }, userPatch, logger, memory.memo, options);

  // Objects no handler is interested in stay invisible: no finalizer, no annotations, no logs.
  const spawner = options.spawner;
  const uid = body.metadata?.uid ?? '';
  const changing = anyPrematches(handlers, kwargs);
  const visible = changing || !!spawner?.anyMatches(kwargs);
  const patch = emptyCyclePatch();
  const deleting = isDeletionOngoing(body);
  const blocked = hasFinalizer(body, persistence.finalizer);
  const needsFinalizer = requiresFinalizer(handlers, kwargs) || !!spawner?.requiresFinalizer(uid, kwargs);
  let handle = changing && HANDLER_CAUSES[cause.kind] !== undefined;
  let delays: number[] = [];

  if (cause.kind === 'free') {
    if (visible) logger.debug('Deletion, but we are done with it, and we do not care.');
    handle = false;
  } else if (needsFinalizer && !blocked && !deleting) {
    logger.debug('Adding the finalizer, thus preventing the actual deletion.');
    patch.transforms.push(addFinalizer(persistence.finalizer));
    handle = false;
  } else if (!needsFinalizer && blocked) {
    logger.debug('Removing the finalizer, as there are no handlers requiring it.');
    patch.transforms.push(removeFinalizer(persistence.finalizer));
    handle = false;
  }

  // Daemons and timers live from the finalizer's arrival until the object's deletion.
  let spawnDelays: number[] = [];
  if (spawner && visible) {
    const essential = cause.kind === 'create' || cause.kind === 'update';
    spawner.observe(uid, body, essential, memory.memo, logger);
  }
  if (spawner && deleting && blocked) {
    spawnDelays = await spawner.stopForDeletion(uid, pressure, options.signal);
  } else if (spawner && !deleting) {
    spawner.adjust(uid, kwargs, blocked);
  }

  // On deletion, daemons and timers are stopped first; the deletion handlers run once they exited.
  if (handle && spawnDelays.length === 0) {
    delays = await handleCause(options, cause, kwargs, body, patch, memory, logger, spawnDelays);
  } else if (cause.kind === 'delete' && visible && blocked && needsFinalizer && spawnDelays.length === 0) {
    logger.debug('Removing the finalizer, thus allowing the actual deletion.');
    patch.transforms.push(removeFinalizer(persistence.finalizer));
  } else if (visible && cause.kind === 'noop') {
    logger.debug('Something has changed, but we are not interested (the essence is the same).');
  }

  mergeUserPatch(patch, userPatch);
  // The touch marker has done its job once anything else is written.
  if (!isEmptyCyclePatch(patch)) storage.touch(body, patch.merge, undefined);
  const stats = options.stats;
  if (stats) stats.cycles++;
  const applied = await apply(options, body, patch, memory, logger);

  delays = [...delays, ...spawnDelays];
  if (delays.length === 0) {
    if (applied && handle) logger.debug('Handling cycle is finished, waiting for new changes.');
    return;
  }
  const delay = Math.min(...delays, KEEPALIVE_INTERVAL);
  if (applied) {
    // Our own patch's event starts the next cycle; handlers not yet due are skipped there.
    logger.debug(`Sleeping was skipped because of the patch, ${delay.toFixed(3)} seconds left.`);
    return;
  }
  if (delay > 0) {
    logger.debug(`Sleeping for ${delay.toFixed(3)} seconds for the delayed handlers.`);
    if (!(await sleepUnless(delay, pressure, options.signal))) {
      logger.debug('Sleeping was interrupted by new changes.');
      return;
    }
  }
  const touch = emptyCyclePatch();
  storage.touch(body, touch.merge, formatTimestamp(new Date()));
  await apply(options, body, touch, memory, logger);
}

/** The user's `patch` from the handlers goes first; the framework's own writes win on conflicts. */
function mergeUserPatch(patch: CyclePatch, userPatch: HandlerPatch): void {
  const framework = patch.merge;
  const merged = pruneEmpty(userPatch as Record<string, unknown>);
  mergeInto(merged, framework);
  patch.merge = merged;
}

async function apply(
  options: ProcessorOptions,
  body: KubernetesObject,
  patch: CyclePatch,
  memory: ObjectMemory,
  logger: Logger,
): Promise<boolean> {
  if (isEmptyCyclePatch(patch)) return false;
  const result = await applyCyclePatch(options.client, options.resource, body, patch, logger);
  if (options.stats) options.stats.patches += result.requests;
  if (
    result.transformed &&
    isDeletionOngoing(body) &&
    (result.gone || !hasFinalizer(result.body ?? {}, options.settings.persistence.finalizer))
  ) {
    memory.deletionReleased = true;
  }
  const rv = result.body?.metadata?.resourceVersion;
  if (rv && !result.gone) {
    memory.expectedVersion = rv;
    memory.expectedDeadline = Date.now() + options.settings.persistence.consistencyTimeout * 1000;
  }
  return result.applied && !result.gone;
}

/** Run the cause's due handlers; write progress, results, purge and diff-base into the patch. */
async function handleCause(
  options: ProcessorOptions,
  cause: ChangingCause,
  kwargs: FilterKwargs,
  body: KubernetesObject,
  patch: CyclePatch,
  memory: ObjectMemory,
  logger: Logger,
  /** Daemons still exiting: the finalizer stays until they have. */
  spawnDelays: readonly number[] = [],
): Promise<number[]> {
  const { settings, handlers } = options;
  const persistence = settings.persistence;
  const meta = HANDLER_CAUSES[cause.kind]!;
  const purpose = meta.reason;
  const storage = progressStorage(persistence);
  const causeHandlers = handlersForCause(handlers, cause, kwargs);
  let state = states.readState(body, storage, handlers);
  state = states.withPurpose(state, purpose, []);
  state = states.withHandlers(state, purpose, causeHandlers);

  const extras = states.extras(state, purpose);
  for (const [extra, c] of extras) {
    const extraTitle = HANDLER_CAUSES[extra]?.title ?? extra;
    logger.info(
      `${extraTitle} is superseded by ${meta.done}: ${c.success} succeeded; ${c.failure} failed; ${c.running} left to the moment.`,
    );
  }
  if (extras.size) {
    state = states.withPurpose(
      state,
      purpose,
      causeHandlers.map((h) => h.id),
    );
    states.purgeState(
      new Map([...state].filter(([, s]) => s.purpose !== purpose)),
      body,
      patch.merge,
      storage,
      [],
    );
    state = new Map([...state].filter(([, s]) => s.purpose === purpose));
  }

  if (isEnabledFor('debug')) {
    // Serialising whole bodies is costly: only when someone reads debug lines.
    logger.debug(`${meta.title} is in progress: ${JSON.stringify(body)}`);
    if (cause.diff.length && cause.old !== undefined)
      logger.debug(`${meta.title} diff: ${JSON.stringify(cause.diff)}`);
  }

  let done = true;
  let delays: number[] = [];
  if (causeHandlers.length) {
    const due = causeHandlers.filter((h) => {
      const s = state.get(h.id);
      return s !== undefined && !s.success && !s.failure && (!s.delayed || s.delayed.getTime() <= Date.now());
    });
    const plan = selectHandlers(settings.execution.lifecycle, due, state);
    const outcomes = new Map<string, Outcome>();
    const subrefs = new Map<string, Set<string>>();
    const cycle = {
      body,
      merge: patch.merge,
      storage,
      purpose,
      lifecycle: settings.execution.lifecycle,
      defaultBackoff: settings.execution.defaultBackoff,
      logger,
    };
    for (const handler of plan) {
      const own = handlerKwargs(handler, kwargs);
      const parent = withSubhandling(handler, cycle);
      subrefs.set(handler.id, parent.subrefs);
      const outcome = await executeOnce({
        handler: parent.handler,
        state: state.get(handler.id)!,
        kwargs: own,
        body: own.body,
        resource: own.resource,
        logger,
        defaultBackoff: settings.execution.defaultBackoff,
      });
      outcomes.set(handler.id, outcome);
    }
    state = states.withOutcomes(state, outcomes);
    state = states.withSubrefs(state, subrefs);
    states.storeState(state, body, patch.merge, storage);
    deliverResults(outcomes, patch.merge);
    done = states.isDone(state);
    if (done) {
      const c = states.counts(state, purpose);
      logger.info(`${meta.title} is processed: ${c.success} succeeded; ${c.failure} failed.`);
      states.purgeState(state, body, patch.merge, storage, handlers);
    }
    delays = states.delays(state);
  }

  if (done) {
    if (cause.new !== undefined && !deepEqual(cause.old, cause.new)) {
      const annotations = diffbaseAnnotations(cause.new, persistence, body);
      mergeInto(patch.merge, { metadata: { annotations } });
    }
    memory.fullyHandledOnce = true;
    if (cause.kind === 'delete' && hasFinalizer(body, persistence.finalizer) && !spawnDelays.length) {
      logger.debug('Removing the finalizer, thus allowing the actual deletion.');
      patch.transforms.push(removeFinalizer(persistence.finalizer));
    }
  }
  return delays;
}

/** Handler results into `status.<id>` (objects merged in, anything else set). */
function deliverResults(outcomes: ReadonlyMap<string, Outcome>, merge: Record<string, unknown>): void {
  for (const [id, outcome] of outcomes) {
    if (outcome.error || outcome.result === undefined || outcome.result === null) continue;
    const result = deepCopy(outcome.result);
    mergeInto(merge, { status: { [id]: result } });
  }
}

function spyKwargs(
  body: KubernetesObject,
  logger: Logger,
  memo: Record<string, unknown>,
  options: ProcessorOptions,
): ResourceKwargs {
  return resourceKwargs({
    body,
    patch: freshHandlerPatch(),
    logger,
    memo,
    resource: options.resource,
    signal: options.signal,
  });
}

/**
 * `kopf.on.event` handlers see every event as it comes (no consistency wait, no finalizer); their
 * `patch` and results are applied at once, except for objects already gone.
 */
async function spy(options: ProcessorOptions, event: WatchEvent, memory: ObjectMemory): Promise<void> {
  if (!options.watching?.length) return;
  const logger = objectLogger(event.object, options.settings);
  const kwargs = spyKwargs(event.object, logger, memory.memo, options);
  const watchers = matchingWatchers(options.watching, kwargs);
  if (!watchers.length) return;
  const outcomes = await runEventHandlers(watchers, event, kwargs, logger);
  if (event.type === 'DELETED') return;
  try {
    const target = { client: options.client, resource: options.resource, body: event.object, logger };
    const result = await applyReaction(target, kwargs.patch, outcomes);
    if (result && options.stats) options.stats.patches += result.requests;
  } catch (error) {
    logger.exception('Applying the results of the event handlers failed', error);
  }
}
