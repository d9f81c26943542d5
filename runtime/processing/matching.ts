/**
 * Which handlers apply to an object and a cause: the filters (labels, annotations, field values,
 * `when`) and, for change-requiring handlers, whether their field actually changed.
 */
import { reduceDiff } from '../structs/diffs.ts';
import { resolveField } from '../structs/dicts.ts';
import { matchesValue } from '../structs/filters.ts';
import type { ChangingCause } from './causes.ts';
import { HANDLER_CAUSES } from './causes.ts';
import type { ChangingHandler, FilterKwargs, HandlerFilters } from './handlers.ts';

/** All filters but the field-change requirement ("prematch" in Kopf). */
export function prematches(
  handler: HandlerFilters & { requiresChange?: boolean },
  kwargs: FilterKwargs,
): boolean {
  for (const [key, criterion] of Object.entries(handler.labels ?? {})) {
    if (!matchesValue(kwargs.labels[key], criterion, kwargs)) return false;
  }
  for (const [key, criterion] of Object.entries(handler.annotations ?? {})) {
    if (!matchesValue(kwargs.annotations[key], criterion, kwargs)) return false;
  }
  if (handler.field) {
    const oldValue = resolveField(kwargs.old, handler.field);
    const newValue = resolveField(kwargs.body, handler.field);
    const current = resolveField(kwargs.new, handler.field) ?? newValue;
    if (handler.value !== undefined) {
      if (!matchesValue(oldValue, handler.value, kwargs) && !matchesValue(current, handler.value, kwargs))
        return false;
    } else if (handler.old === undefined && handler.new === undefined && !handler.requiresChange) {
      if (oldValue === undefined && current === undefined) return false;
    }
  }
  if (handler.when && !handler.when(kwargs)) return false;
  return true;
}

/** Prematch plus the field change and `old`/`new` criteria. */
export function matches(handler: ChangingHandler, kwargs: FilterKwargs): boolean {
  if (!prematches(handler, kwargs)) return false;
  if (handler.field) {
    const oldValue = resolveField(kwargs.old, handler.field);
    const newValue = resolveField(kwargs.new, handler.field);
    if (handler.requiresChange && reduceDiff(kwargs.diff, handler.field).length === 0) return false;
    if (handler.old !== undefined && !matchesValue(oldValue, handler.old, kwargs)) return false;
    if (handler.new !== undefined && !matchesValue(newValue, handler.new, kwargs)) return false;
  }
  return true;
}

/** The handlers for this cause, in registration order, de-duplicated by (function, id). */
export function handlersForCause(
  handlers: readonly ChangingHandler[],
  cause: ChangingCause,
  kwargs: FilterKwargs,
): ChangingHandler[] {
  const reason = HANDLER_CAUSES[cause.kind]?.reason;
  if (!reason) return [];
  const selected: ChangingHandler[] = [];
  for (const handler of handlers) {
    if (handler.reason !== undefined && handler.reason !== reason) continue;
    if (handler.reason === undefined && handler.initial) {
      if (!cause.initial) continue;
      if (cause.deleted && !handler.deleted) continue;
    }
    if (handler.reason === undefined && !handler.initial && reason !== 'create' && reason !== 'update')
      continue;
    if (!matches(handler, kwargs)) continue;
    if (selected.some((h) => h.fn === handler.fn && h.id === handler.id)) continue;
    selected.push(handler);
  }
  return selected;
}

/** Whether any handler that prematches this object blocks its deletion. */
export function requiresFinalizer(handlers: readonly ChangingHandler[], kwargs: FilterKwargs): boolean {
  return handlers.some((h) => h.requiresFinalizer && prematches(h, kwargs));
}

/** Whether any handler prematches the object at all (else it stays invisible: no state, no logs). */
export function anyPrematches(handlers: readonly ChangingHandler[], kwargs: FilterKwargs): boolean {
  return handlers.some((h) => prematches(h, kwargs));
}

/** For handlers with a `field`, `old`/`new`/`diff` are narrowed to the field (as they are called). */
export function narrowedKwargs(handler: HandlerFilters, kwargs: FilterKwargs): FilterKwargs {
  if (!handler.field) return kwargs;
  return {
    ...kwargs,
    old: resolveField(kwargs.old, handler.field),
    new: resolveField(kwargs.new, handler.field),
    diff: reduceDiff(kwargs.diff, handler.field),
  };
}
