/**
 * Which of the due handlers run in one processing cycle, and in which order (Kopf's lifecycles;
 * those left out run in a later cycle, after this one's progress is persisted):
 * - `asap` (Kopf's default): one handler, the one with the fewest retries (ties: registration order);
 * - `all-at-once`: every due handler, in registration order, in one cycle (one PATCH for all);
 * - `one-by-one`: the first due handler;
 * - `randomized`: one due handler, picked at random;
 * - `shuffled`: every due handler, in a random order;
 * - a function `(handlers, { state, body, spec, ... }) => handlers` of one's own.
 */
import type { HandlerState } from '../structs/progress.ts';
import type { ExecutionSettings, LifecycleArgs } from '../structs/settings.ts';
import { lifecycleProblem } from '../structs/settings-checks.ts';
import type { ChangingHandler, FilterKwargs } from './handlers.ts';

export function selectHandlers(
  lifecycle: ExecutionSettings['lifecycle'],
  handlers: readonly ChangingHandler[],
  state: ReadonlyMap<string, HandlerState>,
  kwargs: FilterKwargs,
): ChangingHandler[] {
  if (typeof lifecycle === 'function') {
    if (!handlers.length) return [];
    const args: LifecycleArgs = { ...kwargs, state };
    const selected = lifecycle(handlers, args);
    // Only the due handlers can run, each once: anything else a function returns is a bug there.
    const known = new Set(handlers);
    if (
      !Array.isArray(selected) ||
      selected.some((h) => !known.has(h)) ||
      new Set(selected).size !== selected.length
    ) {
      throw new TypeError(
        `The lifecycle function ${lifecycle.name || '(anonymous)'} must return some of the handlers it was given, each at most once.`,
      );
    }
    return [...selected];
  }
  switch (lifecycle) {
    case 'all-at-once':
      return [...handlers];
    case 'one-by-one':
      return handlers.slice(0, 1);
    case 'randomized':
      return handlers.length ? [handlers[Math.floor(Math.random() * handlers.length)]!] : [];
    case 'shuffled':
      return shuffle(handlers);
    case 'asap': {
      const retries = (h: ChangingHandler) => state.get(h.id)?.retries ?? 0;
      return [...handlers].sort((a, b) => retries(a) - retries(b)).slice(0, 1);
    }
    default:
      throw new TypeError(lifecycleProblem(lifecycle)!);
  }
}

/** A copy in a random order (Fisher–Yates). */
function shuffle<T>(items: readonly T[]): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}
