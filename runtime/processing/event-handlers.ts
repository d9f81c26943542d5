/**
 * `kopf.on.event` handlers ("event handlers"): called for every raw watch event (the listing's
 * `type: null` and DELETED included), all at once, without persistence, consistency wait or
 * finalizer, and without retries: errors are logged and ignored. Their `patch` and results are
 * applied at once, except for objects already gone; `patch.fns` postponed by a conflict are applied
 * with the object's next patch.
 */
import { freshState, type Outcome } from '../structs/progress.ts';
import type { Logger } from '../structs/logging.ts';
import type { WatchEvent } from '../watching/types.ts';
import { objectKwargs, type EventContext } from './context.ts';
import { executeOnce } from './execution.ts';
import type { RawEventHandler } from './handlers.ts';
import { asFilterKwargs, type ResourceKwargs } from './kwargs.ts';
import { prematches } from './matching.ts';
import { applyReaction } from './reactions.ts';

/** The event step of one event: run the matching event handlers, apply their patch and results. */
export async function processEventHandlers(context: EventContext): Promise<void> {
  const { options, event, localLogger: logger } = context;
  if (!options.rawEvents?.length) return;
  const kwargs = { ...objectKwargs(context), logger };
  const handlers = matchingEventHandlers(options.rawEvents, kwargs);
  if (!handlers.length) return;
  const outcomes = await runEventHandlers(handlers, event, kwargs, logger);
  if (event.type === 'DELETED') return;
  try {
    const target = { client: options.client, resource: options.resource, body: event.object, logger };
    // `patch.fns` postponed by a conflict (here or in the change cycle) go with this patch; ours that
    // are postponed now wait in the object's memory for its next event, as the other handlers' do.
    kwargs.patch.fns.push(...context.memory.remainingFns.splice(0));
    const result = await applyReaction(target, kwargs.patch, outcomes);
    if (result) context.memory.remainingFns.push(...result.remainingFns);
    if (result && options.stats) options.stats.patches += result.requests;
  } catch (error) {
    logger.exception('Applying the results of the event handlers failed', error);
  }
}

/** The handlers whose filters match the object, in registration order. */
export function matchingEventHandlers(
  handlers: readonly RawEventHandler[],
  kwargs: ResourceKwargs,
): RawEventHandler[] {
  const filterKwargs = asFilterKwargs(kwargs);
  return handlers.filter((h) => prematches(h, filterKwargs));
}

/** Call each matching handler once; the outcomes (for results) by handler id. */
export async function runEventHandlers(
  handlers: readonly RawEventHandler[],
  event: WatchEvent,
  kwargs: ResourceKwargs,
  logger: Logger,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (const handler of handlers) {
    const outcome = await executeOnce({
      // An event handler never retries: whatever fails is logged and forgotten.
      handler: { ...handler, errors: 'ignored', retries: undefined, timeout: undefined },
      state: freshState(undefined),
      kwargs: { ...kwargs, event, type: event.type },
      body: kwargs.body,
      resource: kwargs.resource,
      logger,
      defaultBackoff: 0,
      storesResult: true,
    });
    outcomes.set(handler.id, outcome);
  }
  return outcomes;
}
