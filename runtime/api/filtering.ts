/**
 * The registration checks shared by every per-object handler kind (change, event, timer, daemon,
 * index): a function, a resource, a stable id, well-formed filters and option values.
 */
import { isResourceQuery, selectorKey, type HandlerSelector } from '../../common/resources.ts';
import { parseSelector, queryProblem } from '../../common/selectors.ts';
import { parseField } from '../structs/dicts.ts';
import type { FilterKwargs, HandlerFilters, HandlerFn } from '../processing/handlers.ts';
import { validateOptions } from './options.ts';
import type { HandlerOptions, ResourceArg } from './types.ts';

/** Options of every per-object handler: `id`, `param`, retries, and the filters. */
export type CommonOptions<Spec = Record<string, unknown>, Status = Record<string, unknown>> = HandlerOptions<
  Spec,
  Status
>;

export interface ValidatedBase<Kwargs> extends HandlerFilters {
  id: string;
  fn: HandlerFn<Kwargs>;
  selector: HandlerSelector;
  param: unknown;
}

/**
 * Check and convert what all per-object registrations have in common. `Kwargs` is what the kind's
 * handlers are called with; the user's function is typed on the API's side, so it arrives unchecked.
 */
export function validateFilters<Kwargs = FilterKwargs>(
  kind: string,
  resource: ResourceArg<unknown, unknown>,
  fn: unknown,
  options: CommonOptions<never, never>,
): ValidatedBase<Kwargs> {
  const base = validateFilterOptions<Kwargs>(kind, fn, options);
  // A malformed name fails here, where the stack points at the registration, not at operator start.
  if (typeof resource === 'function') {
    // Kopf takes a callable selector as it is; here it is one field of a query.
    throw new TypeError('A resource predicate is passed as a query: `{ where: (resource) => ... }`.');
  }
  if (typeof resource === 'string') parseSelector(resource);
  else if (isResourceQuery(resource)) {
    const problem = queryProblem(resource);
    if (problem) throw new TypeError(`The resource query ${selectorKey(resource)} is malformed: ${problem}.`);
  }
  return { ...base, selector: resource };
}

/** The checks and conversions of {@link validateFilters} that need no resource (sub-handlers have none). */
export function validateFilterOptions<Kwargs = FilterKwargs>(
  kind: string,
  fn: unknown,
  options: CommonOptions<never, never>,
): Omit<ValidatedBase<Kwargs>, 'selector'> {
  if (typeof fn !== 'function')
    throw new TypeError(`A ${kind} handler must be a function, got ${typeof fn}.`);
  if (options.value !== undefined && options.field === undefined) {
    throw new TypeError('`value` filters a field: it needs `field`.');
  }
  for (const [what, filters] of [
    ['labels', options.labels],
    ['annotations', options.annotations],
  ] as const) {
    for (const [key, value] of Object.entries(filters ?? {})) {
      if (value === null || value === undefined) {
        throw new TypeError(`The ${what} filter '${key}' is ${value}; use kopf.PRESENT or kopf.ABSENT.`);
      }
    }
  }
  const id = options.id ?? (fn as { name?: string }).name;
  if (!id) {
    throw new TypeError(
      `An anonymous handler needs an \`id\` option (${kind}): ids are persisted on the objects, so they must be stable.`,
    );
  }
  validateOptions(kind, id, options);
  return {
    id,
    fn: fn as HandlerFn<Kwargs>,
    param: options.param,
    labels: options.labels as HandlerFilters['labels'],
    annotations: options.annotations as HandlerFilters['annotations'],
    field: options.field === undefined ? undefined : parseField(options.field),
    value: options.value as HandlerFilters['value'],
    when: options.when as HandlerFilters['when'],
  };
}

/** Change handlers (and sub-handlers) also filter by the field's `old`/`new` values. */
export function checkFieldCriteria(options: {
  field?: unknown;
  value?: unknown;
  old?: unknown;
  new?: unknown;
}): void {
  const hasValueCriteria =
    options.value !== undefined || options.old !== undefined || options.new !== undefined;
  if (hasValueCriteria && options.field === undefined) {
    throw new TypeError('`value`, `old` and `new` filter a field: they need `field`.');
  }
  if (options.value !== undefined && (options.old !== undefined || options.new !== undefined)) {
    throw new TypeError('`value` and `old`/`new` are mutually exclusive.');
  }
}
