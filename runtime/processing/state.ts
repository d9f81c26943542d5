/**
 * The progress of one cause's handlers across cycles (Kopf's `State`): read from the object's
 * storage, updated with this cycle's outcomes, written back only where changed, purged when done.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { deepEqual } from '../structs/dicts.ts';
import {
  freshState,
  isFinished,
  recordFromState,
  stateFromRecord,
  withOutcome,
  type HandlerState,
  type Outcome,
} from '../structs/progress.ts';
import type { ChangingHandler } from './handlers.ts';
import type { ProgressStorage } from './storage.ts';

export type State = Map<string, HandlerState>;

export interface Counts {
  success: number;
  failure: number;
  running: number;
}

/** Read the states of all the resource's handlers (for counting, superseding and purging). */
export function readState(
  body: KubernetesObject,
  storage: ProgressStorage,
  handlers: readonly ChangingHandler[],
): State {
  const state: State = new Map();
  for (const id of new Set(handlers.map((h) => h.id))) {
    const record = storage.fetch(body, id);
    if (record) state.set(id, stateFromRecord(record));
  }
  return state;
}

/** Re-purpose (some) states to the current cause's purpose. */
export function withPurpose(state: State, purpose: string, ids?: readonly string[]): State {
  const result: State = new Map(state);
  for (const [id, s] of state) if (!ids || ids.includes(id)) result.set(id, { ...s, purpose });
  return result;
}

/** Mark this cause's handlers active, creating fresh states for new ones. */
export function withHandlers(state: State, purpose: string, handlers: readonly ChangingHandler[]): State {
  const result: State = new Map(state);
  for (const h of handlers) {
    const existing = result.get(h.id);
    result.set(h.id, existing ? { ...existing, active: true } : freshState(purpose));
  }
  return result;
}

export function withOutcomes(state: State, outcomes: ReadonlyMap<string, Outcome>): State {
  const result: State = new Map(state);
  for (const [id, outcome] of outcomes) {
    const existing = result.get(id);
    if (existing) result.set(id, withOutcome(existing, outcome));
  }
  return result;
}

/** Purposes other than the current one, with their counts ("superseded" causes). */
export function extras(state: State, purpose: string): Map<string, Counts> {
  const result = new Map<string, Counts>();
  for (const s of state.values()) {
    if (s.purpose === undefined || s.purpose === purpose) continue;
    const counts = result.get(s.purpose) ?? { success: 0, failure: 0, running: 0 };
    if (s.success) counts.success++;
    else if (s.failure) counts.failure++;
    else counts.running++;
    result.set(s.purpose, counts);
  }
  return result;
}

export function counts(state: State, purpose: string): Counts {
  const result = { success: 0, failure: 0, running: 0 };
  for (const s of state.values()) {
    if (s.purpose !== undefined && s.purpose !== purpose) continue;
    if (s.success) result.success++;
    else if (s.failure) result.failure++;
    else result.running++;
  }
  return result;
}

/** All active handlers finished (no handlers: done before doing). */
export function isDone(state: State): boolean {
  return [...state.values()].every((s) => !s.active || isFinished(s));
}

/** Seconds until each unfinished active handler is due (0 = now). */
export function delays(state: State, now = new Date()): number[] {
  return [...state.values()]
    .filter((s) => s.active && !isFinished(s))
    .map((s) => (s.delayed ? Math.max(0, (s.delayed.getTime() - now.getTime()) / 1000) : 0));
}

/** Write the records that differ from what was read. */
export function storeState(
  state: State,
  body: KubernetesObject,
  patch: Record<string, unknown>,
  storage: ProgressStorage,
): void {
  for (const [id, s] of state) {
    const record = recordFromState(s);
    if (!deepEqual(record, s.origin)) storage.store(body, patch, id, record);
  }
}

/** Remove the records of all the resource's handlers, any other ids in the state, and their sub-refs. */
export function purgeState(
  state: State,
  body: KubernetesObject,
  patch: Record<string, unknown>,
  storage: ProgressStorage,
  handlers: readonly ChangingHandler[],
): void {
  const ids = new Set(handlers.map((h) => h.id));
  for (const [id, s] of state) {
    ids.add(id);
    for (const ref of s.subrefs) ids.add(ref);
  }
  for (const id of ids) storage.purge(body, patch, id);
}

/** Add descendants' ids (sub-handlers) to their parents' states, for purging them together. */
export function withSubrefs(state: State, subrefs: ReadonlyMap<string, ReadonlySet<string>>): State {
  const result: State = new Map(state);
  for (const [id, refs] of subrefs) {
    const existing = result.get(id);
    if (!existing || refs.size === 0) continue;
    result.set(id, { ...existing, subrefs: [...new Set([...existing.subrefs, ...refs])] });
  }
  return result;
}
