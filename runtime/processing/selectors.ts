/**
 * Label filters as the API server's label selectors: handlers' exact values, `PRESENT` and `ABSENT`
 * become requirements the server evaluates (kopf#1311), so that objects no handler needs are never
 * listed or watched. Callbacks stay client-side; the client-side filters always run too.
 */
import { ABSENT, PRESENT } from '../structs/filters.ts';
import type { HandlerFilters } from './handlers.ts';

/** One label requirement, shaped as a `matchExpressions` entry of a Kubernetes LabelSelector. */
export interface LabelRequirement {
  key: string;
  operator: 'In' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** The requirements of a handler's `labels` filter that the server can evaluate (callbacks are left out). */
export function labelRequirements(labels: HandlerFilters['labels']): LabelRequirement[] {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (value === PRESENT) requirements.push({ key, operator: 'Exists' });
    else if (value === ABSENT) requirements.push({ key, operator: 'DoesNotExist' });
    else if (typeof value !== 'function') requirements.push({ key, operator: 'In', values: [String(value)] });
  }
  return requirements;
}

// Kubernetes' syntax of label keys (optional DNS-subdomain prefix) and values: anything else would be
// rejected by the server (400), so such a requirement is not pushed down (the client-side filter stays).
const LABEL_NAME = '([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)';
const LABEL_KEY = new RegExp(`^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?${LABEL_NAME}$`);
const LABEL_VALUE = new RegExp(`^${LABEL_NAME}?$`);

/** The handlers of one served resource, by kind (admission handlers are not watched: not here). */
export interface WatchedHandlers {
  changing?: readonly (HandlerFilters & { requiresFinalizer: boolean })[];
  rawEvents?: readonly HandlerFilters[];
  indexing?: readonly HandlerFilters[];
  spawning?: readonly HandlerFilters[];
}

/**
 * The `labelSelector` for LIST and WATCH of a resource served by `handlers`, or undefined when every
 * object is needed. The stream must carry the union of what the handlers need, so only requirements
 * that every handler has, identically, are pushed down; a handler without a label filter, or with a
 * label callback, needs all objects (its callback could accept any of them).
 *
 * Nor is anything pushed down when a handler puts our finalizer on objects (deletion handlers,
 * daemons, timers): an object whose labels change so that it leaves the selector arrives as DELETED
 * and is never seen again, so its finalizer could not be removed and its deletion would hang.
 */
export function labelSelectorFor(handlers: WatchedHandlers): string | undefined {
  const { changing = [], rawEvents = [], indexing = [], spawning = [] } = handlers;
  if (spawning.length > 0 || changing.some((handler) => handler.requiresFinalizer)) return undefined;
  return commonSelector([...changing, ...rawEvents, ...indexing]);
}

/** The label requirements that every one of `handlers` has, identically, as a selector. */
function commonSelector(handlers: readonly HandlerFilters[]): string | undefined {
  let common: Map<string, string> | undefined;
  for (const handler of handlers) {
    const labels = Object.values(handler.labels ?? {});
    if (labels.length === 0 || labels.some((value) => typeof value === 'function')) return undefined;
    const terms = new Map<string, string>();
    for (const requirement of labelRequirements(handler.labels)) {
      const term = selectorTerm(requirement);
      if (term !== undefined) terms.set(requirement.key, term);
    }
    common = common ? new Map([...common].filter(([key, term]) => terms.get(key) === term)) : terms;
    if (common.size === 0) return undefined;
  }
  if (!common) return undefined;
  // Sorted by key: the same handlers give the same selector, whatever their registration order.
  return [...common]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, term]) => term)
    .join(',');
}

/** A requirement in the selector syntax (`k=v`, `k`, `!k`); none if the server would reject it. */
function selectorTerm(requirement: LabelRequirement): string | undefined {
  const { key, operator, values } = requirement;
  if (!LABEL_KEY.test(key)) return undefined;
  if (operator === 'Exists') return key;
  if (operator === 'DoesNotExist') return `!${key}`;
  const value = values?.[0] ?? '';
  return LABEL_VALUE.test(value) ? `${key}=${value}` : undefined;
}
