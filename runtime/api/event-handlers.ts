/**
 * `kopf.on.event`: a spy on the raw watch stream. Called for every event of matching objects — the
 * initial listing (`type: null`), ADDED, MODIFIED and DELETED — with no persistence and no retries:
 * errors are logged and ignored. As in Kopf, a non-`undefined` result goes to `status.<id>` and the
 * `patch` is applied (both right after the call; not for DELETED, the object is gone). Keep results
 * deterministic, or each write causes another event.
 */
import type { EventKwargs } from '../processing/handlers.ts';
import type { Registry } from '../processing/registry.ts';
import { validateFilters, type CommonOptions } from './filtering.ts';
import { defaultRegistry } from '../processing/registry.ts';
import type { ChangeArgs, ResourceArg, TypedObject } from './types.ts';

/** The watch event type; `null` for objects delivered by a listing. */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | null;

/** What event handlers receive: the resource arguments plus the raw event. */
export interface EventArgs<Spec = Record<string, unknown>, Status = Record<string, unknown>> extends Omit<
  ChangeArgs<Spec, Status>,
  'reason' | 'diff' | 'old' | 'new'
> {
  /** The raw event. */
  event: { type: EventType; object: TypedObject<Spec, Status> };
  type: EventType;
}

export type EventHandler<Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: EventArgs<Spec, Status>,
) => unknown;

/** `on.event` options: an id, `param` and the filters (no retries: errors are always ignored). */
export type EventHandlerOptions<Spec = Record<string, unknown>, Status = Record<string, unknown>> = Omit<
  CommonOptions<Spec, Status>,
  'errors' | 'retries' | 'timeout' | 'backoff'
> & { registry?: Registry };

type Untyped = Record<string, unknown>;

/** Register a handler for every raw watch event of the resource's (matching) objects. */
export function event<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: EventHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: EventHandlerOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): EventHandler<Spec, Status> {
  const base = validateFilters<EventKwargs>(
    'event',
    resource,
    handler,
    options as CommonOptions<never, never>,
  );
  (options.registry ?? defaultRegistry()).addRawEvent({
    ...base,
    kind: 'event',
    errors: 'ignored',
    retries: undefined,
    timeout: undefined,
    backoff: undefined,
  });
  return handler;
}
