/**
 * Sub-handlers: change handlers declared inside a running change handler (`kopf.subhandler`,
 * `kopf.register`) and run by `kopf.execute()` or right after the parent returns. They are full
 * handlers with their own persisted progress under `<parent>/<child>` ids; while any is unfinished,
 * the parent is re-invoked (and must declare the same children) when the earliest child is due.
 * The running parent is found through `AsyncLocalStorage`, so the helpers need no arguments.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KubernetesObject } from '../structs/bodies.ts';
import { freshState, isAwake, stateFromRecord, type Outcome } from '../structs/progress.ts';
import type { Logger } from '../structs/logging.ts';
import type { ExecutionSettings } from '../structs/settings.ts';
import { ChildrenRetry, executeOnce } from './execution.ts';
import {
  attemptPolicy,
  type AttemptOptions,
  type ChangeKwargs,
  type ChangingHandler,
  type HandlerFilters,
  type RawHandlerFn,
} from './handlers.ts';
import { matches, narrowedKwargs } from './matching.ts';
import { selectHandlers } from './lifecycles.ts';
import { deliverResults } from './reactions.ts';
import * as states from './state.ts';
import type { ProgressStorage } from './storage.ts';

/** What all (sub-)handlers of one processing cycle write into. */
export interface CycleScope {
  body: KubernetesObject;
  /** The cycle's merge-patch: children's progress and results go here. */
  merge: Record<string, unknown>;
  storage: ProgressStorage;
  purpose: string;
  lifecycle: ExecutionSettings['lifecycle'];
  defaultBackoff: number;
  logger: Logger;
}

interface ParentScope {
  parent: ChangingHandler;
  cycle: CycleScope;
  kwargs: Omit<ChangeKwargs, 'retry' | 'started' | 'runtime' | 'param'>;
  /** Declared, not yet executed. */
  declared: ChangingHandler[];
  /** Ids of all descendants seen in this invocation (for the parent's `subrefs`). */
  subrefs: Set<string>;
}

export interface SubhandlerOptions extends AttemptOptions, HandlerFilters {
  /** The child's id (the parent's id and a `/` are prepended); defaults to the function's name. */
  id?: string;
}

const parents = new AsyncLocalStorage<ParentScope>();

function currentParent(what: string): ParentScope {
  const scope = parents.getStore();
  if (!scope) throw new Error(`${what} can only be used inside a change handler (or a sub-handler).`);
  return scope;
}

/** Declare a sub-handler of the change handler running now. */
export function declareSubhandler(fn: RawHandlerFn, options: SubhandlerOptions = {}): void {
  const scope = currentParent('kopf.subhandler()/kopf.register()');
  if (typeof fn !== 'function') throw new TypeError(`A sub-handler must be a function, got ${typeof fn}.`);
  const id = options.id ?? fn.name;
  if (!id) throw new TypeError('An anonymous sub-handler needs an `id` option.');
  const fullId = `${scope.parent.id}/${id}`;
  if (scope.declared.some((h) => h.id === fullId) || scope.subrefs.has(fullId)) {
    throw new Error(`Duplicate sub-handler id '${fullId}'.`);
  }
  // Kind, resource and reason are the parent's; the filters are the child's own (as in Kopf, whose
  // sub-handlers also inherit whether their field must have changed).
  scope.declared.push({
    ...scope.parent,
    id: fullId,
    fn,
    labels: options.labels,
    annotations: options.annotations,
    field: options.field,
    value: options.value,
    old: options.old,
    new: options.new,
    when: options.when,
    ...attemptPolicy(options),
  });
}

/**
 * Run the declared sub-handlers (and `fns`, if given) that are due. Throws (to re-invoke the parent
 * later) while any of them is unfinished, so code after `await execute()` runs once all are done.
 */
export async function executeSubhandlers(
  fns?: readonly RawHandlerFn[] | Readonly<Record<string, RawHandlerFn>>,
): Promise<void> {
  const scope = currentParent('kopf.execute()');
  if (Array.isArray(fns)) for (const fn of fns) declareSubhandler(fn);
  else if (fns) for (const [id, fn] of Object.entries(fns)) declareSubhandler(fn as RawHandlerFn, { id });
  await runChildren(scope, scope.declared.splice(0));
}

/**
 * The parent as the executor should call it: in its own scope, with its undeclared children run
 * right after it returns. `subrefs` collects its descendants' ids for its progress record.
 */
export function withSubhandling(
  parent: ChangingHandler,
  cycle: CycleScope,
): { handler: ChangingHandler; subrefs: Set<string> } {
  const subrefs = new Set<string>();
  const fn: RawHandlerFn = (kwargs) => {
    const scope: ParentScope = { parent, cycle, kwargs, declared: [], subrefs };
    return parents.run(scope, async () => {
      const result: unknown = await parent.fn(kwargs);
      if (scope.declared.length) await runChildren(scope, scope.declared.splice(0));
      return result;
    });
  };
  return { handler: { ...parent, fn }, subrefs };
}

async function runChildren(scope: ParentScope, children: readonly ChangingHandler[]): Promise<void> {
  const { cycle } = scope;
  // Children whose filters do not match this object and cause are left out, as if not declared.
  const matching = children.filter((child) => matches(child, scope.kwargs));
  let state: states.State = new Map();
  for (const child of matching) {
    const record = cycle.storage.fetch(cycle.body, child.id);
    const s = record ? { ...stateFromRecord(record), active: true } : freshState(cycle.purpose);
    state.set(child.id, s);
    scope.subrefs.add(child.id);
    for (const ref of s.subrefs) scope.subrefs.add(ref);
  }
  const due = matching.filter((child) => isAwake(state.get(child.id)!));
  const outcomes = new Map<string, Outcome>();
  const childRefs = new Map<string, Set<string>>();
  for (const child of selectHandlers(cycle.lifecycle, due, state, scope.kwargs)) {
    const wrapped = withSubhandling(child, cycle);
    const outcome = await executeOnce({
      handler: wrapped.handler,
      state: state.get(child.id)!,
      kwargs: narrowedKwargs(child, scope.kwargs),
      body: scope.kwargs.body,
      resource: scope.kwargs.resource,
      logger: cycle.logger,
      defaultBackoff: cycle.defaultBackoff,
      storesResult: true,
    });
    outcomes.set(child.id, outcome);
    childRefs.set(child.id, wrapped.subrefs);
    for (const ref of wrapped.subrefs) scope.subrefs.add(ref);
  }
  state = states.withOutcomes(state, outcomes);
  state = states.withSubrefs(state, childRefs);
  states.storeState(state, cycle.body, cycle.merge, cycle.storage);
  deliverResults(outcomes, cycle.merge);
  const pending = states.delays(state);
  if (pending.length) throw new ChildrenRetry(Math.min(...pending));
}
