/**
 * The changing step (Kopf's `process_changing_cause`): run the due change handlers of the cause
 * (create, update, delete, resume) and write their progress, results, the purge of finished progress
 * and the new diff-base into the cycle's patch; release the finalizer once a deletion is handled.
 */
import { deepEqual } from '../structs/dicts.ts';
import { isEnabledFor } from '../structs/logging.ts';
import type { Outcome } from '../structs/progress.ts';
import type { CyclePatch } from './application.ts';
import { HANDLER_CAUSES, type ChangingCause } from './causes.ts';
import type { EventContext } from './context.ts';
import { storeDiffbase } from './diffbase.ts';
import { executeOnce } from './execution.ts';
import { hasFinalizer, removeFinalizer } from './finalizers.ts';
import type { FilterKwargs } from './handlers.ts';
import { selectHandlers } from './lifecycles.ts';
import { handlersForCause, narrowedKwargs } from './matching.ts';
import { deliverResults } from './reactions.ts';
import * as states from './state.ts';
import { progressStorage } from './storage.ts';
import { withSubhandling } from './subhandling.ts';

/** Run the cause's due handlers; returns the delays of those not finished yet. */
export async function processChangingCause(
  context: EventContext,
  cause: ChangingCause,
  kwargs: FilterKwargs,
  patch: CyclePatch,
): Promise<number[]> {
  const { options, body, logger, memory } = context;
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
    const plan = selectHandlers(settings.execution.lifecycle, due, state, kwargs);
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
      const own = narrowedKwargs(handler, kwargs);
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
        storesResult: true,
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
      storeDiffbase(patch.merge, cause.new, persistence, body);
    }
    memory.fullyHandledOnce = true;
    if (cause.kind === 'delete' && hasFinalizer(body, persistence.finalizer)) {
      logger.debug('Removing the finalizer, thus allowing the actual deletion.');
      patch.transforms.push(removeFinalizer(persistence.finalizer));
    }
  }
  return delays;
}
