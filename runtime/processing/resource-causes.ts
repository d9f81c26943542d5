/**
 * One processing cycle of an object that still exists (Kopf's `process_resource_causes`):
 * consistency wait → cause detection → who is interested → the finalizer → the spawning step
 * (daemons, timers) → the changing step (create/update/delete/resume handlers) → one PATCH →
 * sleep-and-touch while handlers are delayed.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { mergeInto, pruneEmpty } from '../structs/patches.ts';
import { formatTimestamp } from '../structs/times.ts';
import { sleepUnless } from '../structs/timing.ts';
import { applyCyclePatch, emptyCyclePatch, isEmptyCyclePatch, type CyclePatch } from './application.ts';
import { detectChangingCause, HANDLER_CAUSES, type ChangingCause } from './causes.ts';
import { processChangingCause } from './changing.ts';
import { objectKwargs, type EventContext } from './context.ts';
import { readDiffbase, STATUS_DIFFBASE_FIELD, withoutIgnoredFields } from './diffbase.ts';
import { essenceOf } from './essence.ts';
import {
  addFinalizer,
  finalizerState,
  hasFinalizer,
  isDeletionOngoing,
  removeFinalizer,
  type FinalizerState,
} from './finalizers.ts';
import type { FilterKwargs, HandlerPatch } from './handlers.ts';
import { newHandlerPatch } from './kwargs.ts';
import { anyPrematches, requiresFinalizer } from './matching.ts';
import type { ObjectMemory } from './memories.ts';
import { processSpawningCause } from './spawning.ts';
import { progressStorage, STATUS_PROGRESS_FIELD } from './storage.ts';

/** Kopf re-checks long delays at least this often (and touches the object to do so). */
const KEEPALIVE_INTERVAL = 600;

export async function processResourceCauses(context: EventContext): Promise<void> {
  const { options, key, body, logger, memory } = context;
  const { settings, handlers, spawner } = options;
  const persistence = settings.persistence;

  // Never run change handlers on a copy older than our own last PATCH.
  if (!(await awaitConsistency(context))) return;
  // Releasing the last finalizer does not bump the resourceVersion, so echoes of our earlier patches
  // (still carrying the finalizer) can arrive after it and look consistent: they are stale, and the
  // deletion handlers, whose progress was purged, must not run again for them.
  if (memory.deletionReleased && isDeletionOngoing(body)) {
    logger.debug('The deletion is already handled; a stale copy of the object is ignored.');
    return;
  }

  const cause = detectCause(context);
  const userPatch = newHandlerPatch();
  const kwargs = changeKwargs(context, cause, userPatch);
  const patch = emptyCyclePatch();
  patch.fns.push(...memory.remainingFns.splice(0));

  // Objects no handler is interested in stay invisible: no finalizer, no annotations, no logs.
  const changing = anyPrematches(handlers, kwargs);
  const visible = changing || !!spawner?.anyMatches(kwargs);
  const required = requiresFinalizer(handlers, kwargs) || !!spawner?.requiresFinalizer(key.uid, kwargs);
  const finalizer = finalizerState(body, persistence.finalizer, required);
  const reserved = reserveForFinalizer(context, cause, finalizer, visible, patch);
  const changingCause = changing && !reserved && HANDLER_CAUSES[cause.kind] ? cause : undefined;

  // Daemons and timers first: on deletion, the deletion handlers run once they have exited.
  const spawnDelays = spawner
    ? await processSpawningCause(context, spawner, cause, kwargs, finalizer, visible)
    : [];
  let changeDelays: number[] = [];
  if (spawnDelays.length) {
    // The finalizer stays until the daemons have exited; the next cycle checks again.
  } else if (changingCause) {
    changeDelays = await processChangingCause(context, changingCause, kwargs, patch);
  } else if (cause.kind === 'delete' && visible && finalizer.present && finalizer.required) {
    logger.debug('Removing the finalizer, thus allowing the actual deletion.');
    patch.transforms.push(removeFinalizer(persistence.finalizer));
  } else if (visible && cause.kind === 'noop') {
    logger.debug('Something has changed, but we are not interested (the essence is the same).');
  }

  mergeUserPatch(patch, userPatch);
  // The touch marker has done its job once anything else is written.
  const storage = progressStorage(persistence);
  if (!isEmptyCyclePatch(patch)) storage.touch(body, patch.merge, undefined);
  if (options.stats) options.stats.cycles++;
  const applied = await apply(context, patch);

  const delays = [...changeDelays, ...spawnDelays];
  if (delays.length === 0) {
    if (applied && changingCause) logger.debug('Handling cycle is finished, waiting for new changes.');
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
    if (!(await sleepUnless(delay, context.pressure, options.signal))) {
      logger.debug('Sleeping was interrupted by new changes.');
      return;
    }
  }
  const touch = emptyCyclePatch();
  storage.touch(body, touch.merge, formatTimestamp(new Date()));
  await apply(context, touch);
}

/**
 * Wait (up to the deadline) for the watch to deliver our last PATCH. Resolves `false` when a newer
 * event or the operator's stop interrupted the wait: then they decide.
 */
async function awaitConsistency(context: EventContext): Promise<boolean> {
  const { memory, body, logger, options } = context;
  if (!isConsistent(memory, body)) {
    const remaining = (memory.expectedDeadline - Date.now()) / 1000;
    if (remaining > 0) {
      logger.debug(
        `Waiting for the resourceVersion ${memory.expectedVersion} for up to ${remaining.toFixed(1)} s.`,
      );
      if (!(await sleepUnless(remaining, context.pressure, options.signal))) return false;
    }
  }
  memory.expectedVersion = undefined;
  return !options.signal.aborted;
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

/** What changed since the last handled state (the diff-base), judged with the handlers' extra fields. */
function detectCause(context: EventContext): ChangingCause {
  const { options, event, body, memory } = context;
  const persistence = options.settings.persistence;
  const extraFields = options.handlers.flatMap((h) => (h.field ? [h.field] : []));
  const stored = readDiffbase(body, persistence);
  return detectChangingCause({
    event,
    body,
    old: stored && withoutIgnoredFields(stored, persistence),
    new: withoutIgnoredFields(
      essenceOf(body, {
        prefix: persistence.annotationsPrefix,
        extraFields,
        storageFields: [STATUS_PROGRESS_FIELD, STATUS_DIFFBASE_FIELD],
      }),
      persistence,
    ),
    initial: memory.noticedByListing && !memory.fullyHandledOnce,
    finalizer: persistence.finalizer,
  });
}

/** The arguments of change handlers and of every filter in this cycle. */
function changeKwargs(context: EventContext, cause: ChangingCause, patch: HandlerPatch): FilterKwargs {
  return {
    ...objectKwargs(context, patch),
    reason: HANDLER_CAUSES[cause.kind]?.reason ?? 'update',
    diff: cause.diff,
    old: cause.old,
    new: cause.new,
  };
}

/**
 * A cycle that finds the object free of us, adds the finalizer, or removes an unneeded one is
 * dedicated to that: change handlers run in the next cycle. Returns whether this one is.
 */
function reserveForFinalizer(
  context: EventContext,
  cause: ChangingCause,
  finalizer: FinalizerState,
  visible: boolean,
  patch: CyclePatch,
): boolean {
  const { logger, options } = context;
  const name = options.settings.persistence.finalizer;
  if (cause.kind === 'free') {
    if (visible) logger.debug('Deletion, but we are done with it, and we do not care.');
    return true;
  }
  if (finalizer.required && !finalizer.present && !finalizer.deleting) {
    logger.debug('Adding the finalizer, thus preventing the actual deletion.');
    patch.transforms.push(addFinalizer(name));
    return true;
  }
  if (!finalizer.required && finalizer.present) {
    logger.debug('Removing the finalizer, as there are no handlers requiring it.');
    patch.transforms.push(removeFinalizer(name));
    return true;
  }
  return false;
}

/** The user's `patch` from the handlers goes first; the framework's own writes win on conflicts. */
function mergeUserPatch(patch: CyclePatch, userPatch: HandlerPatch): void {
  const framework = patch.merge;
  const merged = pruneEmpty(userPatch as Record<string, unknown>);
  mergeInto(merged, framework);
  patch.merge = merged;
  patch.fns.push(...userPatch.fns);
}

/** Apply the cycle's patch; remember what the watch must deliver next. Resolves whether it was applied. */
async function apply(context: EventContext, patch: CyclePatch): Promise<boolean> {
  const { options, body, memory, logger } = context;
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
  memory.remainingFns.push(...result.remainingFns);
  const rv = result.body?.metadata?.resourceVersion;
  if (rv && !result.gone) {
    memory.expectedVersion = rv;
    memory.expectedDeadline = Date.now() + options.settings.persistence.consistencyTimeout * 1000;
  }
  return result.applied && !result.gone;
}
