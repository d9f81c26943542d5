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
import type { SpawningHandler, SpawnKwargs } from './handlers.ts';
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
}

/** How a task ended: returned on its own, failed for good, or stopped from outside. */
export type TaskEnd = 'exited' | 'failed' | 'stopped';

/** Run the handler once with live views of the object; apply its patch and result. */
export async function invokeOnce(context: TaskContext, state: HandlerState, title: string): Promise<Outcome> {
  const { object, handler, stopped } = context;
  const patch = newHandlerPatch();
  const live = () => object.body;
  const kwargs: SpawnKwargs = {
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
    await applyReaction(
      { client: context.client, resource: context.resource, body: object.body, logger: object.logger },
      patch,
      new Map([[handler.id, outcome]]),
    );
  } catch (error) {
    object.logger.exception(`${title} could not apply its patch or result`, error);
  }
  return outcome;
}
