/**
 * Sub-handlers: handlers declared inside a running change handler, each with its own persisted
 * progress (`<parent>/<child>`), retries and result (`status['<parent>/<child>']`). While any is
 * unfinished, the parent is invoked again (it must declare the same children every time).
 *
 * @example
 * ```ts
 * kopf.on.create(examples, async function createFn({ spec }) {
 *   for (const item of spec.items ?? []) {
 *     kopf.register(async () => { await provision(item); }, { id: item });
 *   }
 *   // Optional: run them now; the code after it runs once all of them have succeeded.
 *   await kopf.execute();
 * });
 * ```
 */
import { declareSubhandler, executeSubhandlers } from '../processing/subhandling.ts';
import { attemptPolicy, type ChangingHandler, type RawHandlerFn } from '../processing/handlers.ts';
import { checkFieldCriteria, validateFilterOptions, type CommonOptions } from './filtering.ts';
import type { ChangeArgs, UpdateOptions } from './types.ts';

/**
 * A sub-handler's options: Kopf's `@kopf.subhandler()` arguments — id, the attempt policy, and the
 * filters `labels`, `annotations`, `when`, `field` + `value` or `old`/`new`. A child whose filters do
 * not match the object (and its parent's cause) is skipped, as if it was not declared. With `field`,
 * its `old`/`new`/`diff` are narrowed to it; under a field or update-with-field parent, it also runs
 * only when its field changed.
 */
export type SubhandlerOptions<Spec = Record<string, unknown>, Status = Record<string, unknown>> = Omit<
  UpdateOptions<Spec, Status>,
  'registry'
>;

/** A sub-handler gets the same arguments as its parent (typed as untyped unless annotated). */
export type Subhandler<Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: ChangeArgs<Spec, Status>,
) => unknown;

/** Declare a sub-handler of the change handler running now; returns `fn`. */
export function register<Spec = Record<string, unknown>, Status = Record<string, unknown>>(
  fn: Subhandler<Spec, Status>,
  options: SubhandlerOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): Subhandler<Spec, Status> {
  checkFieldCriteria(options);
  const base = validateFilterOptions('sub', fn, options as CommonOptions<never, never>);
  const { id, fn: raw, param, ...filters } = base;
  declareSubhandler(raw, {
    ...filters,
    ...attemptPolicy({ ...options, param }),
    id,
    old: options.old as ChangingHandler['old'],
    new: options.new as ChangingHandler['new'],
  });
  return fn;
}

/** The decorator-like form: `kopf.subhandler({ id })(fn)`, or `kopf.subhandler(fn, { id })`. */
export function subhandler<Spec = Record<string, unknown>, Status = Record<string, unknown>>(
  fn: Subhandler<Spec, Status>,
  options?: SubhandlerOptions<NoInfer<Spec>, NoInfer<Status>>,
): Subhandler<Spec, Status> {
  return register(fn, options);
}

/**
 * Run the declared sub-handlers (plus `fns`: a list, ids from function names, or `{ id: fn }`)
 * that are due. Returns once all of them have finished; until then it throws a retry signal that
 * re-invokes the parent later — do not catch it.
 */
export async function execute(
  fns?: readonly Subhandler<never, never>[] | Readonly<Record<string, Subhandler<never, never>>>,
): Promise<void> {
  await executeSubhandlers(fns as readonly RawHandlerFn[] | Readonly<Record<string, RawHandlerFn>>);
}
