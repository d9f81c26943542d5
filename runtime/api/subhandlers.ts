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
import { declareSubhandler, executeSubhandlers, type SubhandlerOptions } from '../processing/subhandling.ts';
import type { RawHandlerFn } from '../processing/handlers.ts';
import { validateOptions } from './options.ts';
import type { ChangeArgs } from './types.ts';

export type { SubhandlerOptions };

/** A sub-handler gets the same arguments as its parent (typed as untyped unless annotated). */
export type Subhandler<Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: ChangeArgs<Spec, Status>,
) => unknown;

/** Declare a sub-handler of the change handler running now; returns `fn`. */
export function register<Spec = Record<string, unknown>, Status = Record<string, unknown>>(
  fn: Subhandler<Spec, Status>,
  options: SubhandlerOptions = {},
): Subhandler<Spec, Status> {
  validateOptions('sub-handler', options.id ?? (typeof fn === 'function' ? fn.name : ''), options);
  declareSubhandler(fn as unknown as RawHandlerFn, options);
  return fn;
}

/** The decorator-like form: `kopf.subhandler({ id })(fn)`, or `kopf.subhandler(fn, { id })`. */
export function subhandler<Spec = Record<string, unknown>, Status = Record<string, unknown>>(
  fn: Subhandler<Spec, Status>,
  options?: SubhandlerOptions,
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
