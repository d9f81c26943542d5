/**
 * What daemons and timers share: the per-object record they read (the live body, the time of the
 * last essential change), and one invocation = execute the handler once, then apply its `patch`
 * and result to the object right away.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { isPlainObject } from '../structs/dicts.ts';
import type { Logger } from '../structs/logging.ts';
import type { HandlerState, Outcome } from '../structs/progress.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { executeOnce, STILL_RUNNING_INTERVAL } from './execution.ts';
import type { HandlerPatch, PatchFn, SpawningHandler, SpawnKwargs } from './handlers.ts';
import { newHandlerPatch, resourceKwargs } from './kwargs.ts';
import { applyReaction } from './reactions.ts';
import type { DaemonStopped } from './stopping.ts';
import { liveView } from './views.ts';

/** One object as its daemons and timers see it, updated by every processing cycle. */
export interface SpawnedObject {
  body: KubernetesObject;
  memo: Record<string, unknown>;
  logger: Logger;
  /** Epoch ms of the last essential change (creation or first sight counts). */
  lastChange: number;
  /** Resolves at the next essential change (re-armed after each). */
  nextChange: Promise<void>;
}

export interface TaskContext {
  client: ApiClient;
  resource: ResourceInfo;
  settings: OperatorSettings;
  handler: SpawningHandler;
  object: SpawnedObject;
  stopped: DaemonStopped;
  /** `patch.fns` postponed by a conflict: added to the next invocation's patch (as Kopf does). */
  remainingFns?: PatchFn[];
}

/** How a task ended: returned on its own, failed for good, or stopped from outside. */
export type TaskEnd = 'exited' | 'failed' | 'stopped';

/**
 * Sleep the handler's `initialDelay` once, before the first invocation; `true` if stopped meanwhile.
 * A callable delay (Kopf's callable `initial_delay`) gets the same arguments as the handler. If it
 * throws or returns no number of seconds ≥ 0, the task cannot start: that is logged with the cause,
 * and the task ends as failed instead of guessing a delay.
 */
export async function sleepInitialDelay(context: TaskContext, title: string): Promise<TaskEnd | undefined> {
  const { handler, stopped, object } = context;
  const { initialDelay } = handler;
  // `unknown`: a JavaScript handler file can return anything from the callable.
  let delay: unknown = initialDelay;
  if (typeof initialDelay === 'function') {
    try {
      delay = initialDelay(spawnKwargs(context, newHandlerPatch()));
    } catch (error) {
      object.logger.exception(
        `${title} could not compute its initialDelay and will not run for this object`,
        error,
      );
      return 'failed';
    }
  }
  if (delay === undefined) return undefined;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
    object.logger.error(
      `${title} will not run for this object: its initialDelay returned ${String(delay)}, not a number of seconds ≥ 0.`,
    );
    return 'failed';
  }
  return (await stopped.wait(delay)) ? 'stopped' : undefined;
}

/** The handler's arguments: live views of the object, a fresh `patch`, the stop flag. */
function spawnKwargs(context: TaskContext, patch: HandlerPatch): SpawnKwargs {
  const { object, stopped } = context;
  const live = () => object.body;
  return {
    ...resourceKwargs({
      body: object.body,
      patch,
      logger: object.logger,
      memo: object.memo,
      resource: context.resource,
      signal: stopped.signal,
    }),
    body: liveView(live),
    spec: liveView(() => (isPlainObject(live().spec) ? live().spec : {}) as Record<string, unknown>),
    status: liveView(() => (isPlainObject(live().status) ? live().status : {}) as Record<string, unknown>),
    meta: liveView(() => live().metadata ?? {}),
    stopped,
  };
}

/** Run the handler once with live views of the object; apply its patch and result. */
export async function invokeOnce(context: TaskContext, state: HandlerState, title: string): Promise<Outcome> {
  const { object, handler } = context;
  const patch = newHandlerPatch();
  patch.fns.push(...(context.remainingFns?.splice(0) ?? []));
  const kwargs = spawnKwargs(context, patch);
  const outcome = await executeOnce({
    handler,
    state,
    kwargs,
    body: kwargs.body,
    resource: context.resource,
    logger: object.logger,
    defaultBackoff: context.settings.execution.defaultBackoff,
    title,
    storesResult: true,
    // Daemons run for long by design; a timer that hangs is worth a line.
    stillRunningInterval: handler.kind === 'daemon' ? 0 : STILL_RUNNING_INTERVAL,
  });
  try {
    const result = await applyReaction(
      { client: context.client, resource: context.resource, body: object.body, logger: object.logger },
      patch,
      new Map([[handler.id, outcome]]),
    );
    if (result?.remainingFns.length) context.remainingFns = result.remainingFns;
  } catch (error) {
    object.logger.exception(`${title} could not apply its patch or result`, error);
  }
  return outcome;
}
