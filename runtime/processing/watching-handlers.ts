/**
 * `kopf.on.event` handlers: called for every raw watch event (the listing's `type: null` and
 * DELETED included), all at once, without persistence or retries; errors are logged and ignored.
 */
import { freshState, type Outcome } from '../structs/progress.ts';
import type { Logger } from '../structs/logging.ts';
import type { WatchEvent } from '../watching/types.ts';
import { executeOnce } from './execution.ts';
import type { WatchingHandler } from './handlers.ts';
import { asFilterKwargs, type ResourceKwargs } from './kwargs.ts';
import { prematches } from './matching.ts';

/** The handlers whose filters match the object, in registration order. */
export function matchingWatchers(
  handlers: readonly WatchingHandler[],
  kwargs: ResourceKwargs,
): WatchingHandler[] {
  const filterKwargs = asFilterKwargs(kwargs);
  return handlers.filter((h) => prematches(h, filterKwargs));
}

/** Call each matching handler once; the outcomes (for results) by handler id. */
export async function runEventHandlers(
  handlers: readonly WatchingHandler[],
  event: WatchEvent,
  kwargs: ResourceKwargs,
  logger: Logger,
): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (const handler of handlers) {
    const outcome = await executeOnce({
      // A spy never retries: whatever fails is logged and forgotten.
      handler: { ...handler, errors: 'ignored', retries: undefined, timeout: undefined },
      state: freshState(undefined),
      kwargs: { ...kwargs, event, type: event.type },
      body: kwargs.body,
      resource: kwargs.resource,
      logger,
      defaultBackoff: 0,
    });
    outcomes.set(handler.id, outcome);
  }
  return outcomes;
}
