/**
 * Which of the due handlers run in one processing cycle.
 * - `asap` (Kopf's default): one handler, the one with the fewest retries (ties: registration order);
 *   every handler's progress is persisted before the next one starts.
 * - `all-at-once`: every due handler, one after another, in one cycle (one PATCH for all).
 * - `one-by-one`: the first due handler.
 */
import type { HandlerState } from '../structs/progress.ts';
import type { ExecutionSettings } from '../structs/settings.ts';
import type { ChangingHandler } from './handlers.ts';

export function selectHandlers(
  lifecycle: ExecutionSettings['lifecycle'],
  handlers: readonly ChangingHandler[],
  state: ReadonlyMap<string, HandlerState>,
): ChangingHandler[] {
  switch (lifecycle) {
    case 'all-at-once':
      return [...handlers];
    case 'one-by-one':
      return handlers.slice(0, 1);
    case 'asap': {
      const retries = (h: ChangingHandler) => state.get(h.id)?.retries ?? 0;
      return [...handlers].sort((a, b) => retries(a) - retries(b)).slice(0, 1);
    }
  }
}
