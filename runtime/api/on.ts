/**
 * Handler registration: `kopf.on.create/update/delete/resume/field`. Each returns the handler, so
 * one function can be registered several times (with different options).
 *
 * @example
 * ```ts
 * import * as kopf from 'kopf-ts';
 * kopf.on.create('kopfexamples.kopf.dev', function createFn({ spec, logger }) {
 *   logger.info(`Creating with ${JSON.stringify(spec)}`);
 *   return { message: 'hello' }; // → status.createFn.message
 * });
 * ```
 */
import { attemptPolicy, type ChangingHandler, type Reason } from '../processing/handlers.ts';
import { checkFieldCriteria, validateFilters, type CommonOptions } from './filtering.ts';
import { cleanup, login, probe, startup } from './activities.ts';
import { mutate, validate } from './admission.ts';
import { defaultRegistry } from '../processing/registry.ts';
import { event } from './event-handlers.ts';
import type {
  ChangeHandler,
  DeleteOptions,
  Essence,
  HandlerOptions,
  ResourceArg,
  ResumeOptions,
  UpdateOptions,
} from './types.ts';

type AnyOptions = HandlerOptions<never, never, never> &
  Partial<Pick<UpdateOptions<never, never, never>, 'old' | 'new'>> & {
    optional?: boolean;
    deleted?: boolean;
  };

type Untyped = Record<string, unknown>;

/** Register a handler for objects being created (no diff-base yet). */
export function create<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: ChangeHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: HandlerOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): ChangeHandler<Spec, Status> {
  register('create', resource, handler, options as AnyOptions, {});
  return handler;
}

/** Register a handler for essential changes of existing objects (spec, labels, annotations, ...; not status). */
export function update<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: ChangeHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: UpdateOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): ChangeHandler<Spec, Status> {
  register('update', resource, handler, options as AnyOptions, {
    requiresChange: options.field !== undefined,
  });
  return handler;
}

/**
 * Register a handler for objects being deleted. Unless `optional`, the object gets a finalizer up
 * front, so deletion waits until the handler succeeds (or fails permanently).
 */
export function del<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: ChangeHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: DeleteOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): ChangeHandler<Spec, Status> {
  register('delete', resource, handler, options as AnyOptions, { requiresFinalizer: !options.optional });
  return handler;
}

/**
 * Register a handler for objects found when the operator starts (the initial listing), until they
 * are fully handled once in this process. Not called for new objects (use `create`).
 */
export function resume<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: ChangeHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: ResumeOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): ChangeHandler<Spec, Status> {
  register(undefined, resource, handler, options as AnyOptions, {
    initial: true,
    deleted: !!options.deleted,
  });
  return handler;
}

/**
 * Register a handler for changes of one field (on creation and on updates), with `old`, `new` and
 * `diff` narrowed to that field. Its id gets the `/<field>` suffix.
 */
export function field<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  fieldPath: string,
  handler: ChangeHandler<NoInfer<Spec>, NoInfer<Status>, unknown>,
  options: Omit<UpdateOptions<NoInfer<Spec>, NoInfer<Status>, unknown>, 'field'> = {},
): ChangeHandler<Spec, Status, unknown> {
  register(
    undefined,
    resource,
    handler,
    { ...(options as AnyOptions), field: fieldPath },
    { requiresChange: true },
  );
  return handler;
}

interface Traits {
  requiresChange?: boolean;
  requiresFinalizer?: boolean;
  initial?: boolean;
  deleted?: boolean;
}

function register(
  reason: Reason | undefined,
  resource: ResourceArg<unknown, unknown>,
  fn: ChangeHandler<never, never, never>,
  options: AnyOptions,
  traits: Traits,
): void {
  checkFieldCriteria(options);
  const base = validateFilters(reason ?? 'change', resource, fn, options as CommonOptions<never, never>);
  const handler: ChangingHandler = {
    ...base,
    id: base.field ? `${base.id}/${base.field.join('.')}` : base.id,
    reason,
    requiresChange: traits.requiresChange ?? false,
    initial: traits.initial ?? false,
    deleted: traits.deleted ?? false,
    ...attemptPolicy(options),
    requiresFinalizer: traits.requiresFinalizer ?? false,
    old: options.old as ChangingHandler['old'],
    new: options.new as ChangingHandler['new'],
  };
  (options.registry ?? defaultRegistry()).addChanging(handler);
}

export type { Essence };

/** `kopf.on.*`: change-handler registration. `on.delete` is the deletion handler. */
export const on = {
  create,
  update,
  delete: del,
  resume,
  field,
  event,
  startup,
  cleanup,
  login,
  probe,
  validate,
  mutate,
} as const;
