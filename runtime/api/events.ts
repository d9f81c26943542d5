/**
 * Kubernetes Events about objects, as `kopf.event/info/warn/exception` post them: queued at once,
 * posted in the background by the running operator (`v1/Event`, Kopf's format). Posting failures
 * are logged and ignored. Gated by `settings.posting.enabled` and `settings.posting.level`.
 */
import { describeError } from '../structs/errors.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { postEvent, type EventType } from '../processing/posting.ts';

/** One object or several. */
export type EventTargets = KubernetesObject | readonly KubernetesObject[];

export interface EventOptions {
  reason: string;
  message?: string;
}

function targets(objects: EventTargets): readonly KubernetesObject[] {
  return Array.isArray(objects) ? objects : [objects as KubernetesObject];
}

/** Post an Event of any type about the object(s). */
export function event(objects: EventTargets, options: EventOptions & { type: EventType | string }): void {
  for (const object of targets(objects)) {
    postEvent({
      object,
      type: options.type as EventType,
      reason: options.reason,
      message: options.message ?? '',
    });
  }
}

/** Post a `Normal` Event about the object(s). */
export function info(objects: EventTargets, options: EventOptions): void {
  event(objects, { ...options, type: 'Normal' });
}

/** Post a `Warning` Event about the object(s). */
export function warn(objects: EventTargets, options: EventOptions): void {
  event(objects, { ...options, type: 'Warning' });
}

/**
 * Post an `Error` Event about the object(s); the reason defaults to the error's name and the message
 * gets the error's message appended.
 */
export function exception(
  objects: EventTargets,
  options: Partial<EventOptions> & { error?: unknown } = {},
): void {
  const error = options.error;
  const reason = options.reason || (error instanceof Error ? error.name : '') || 'Error';
  const detail = error === undefined ? '' : describeError(error);
  const message = [options.message ?? '', detail].filter(Boolean).join(' ');
  event(objects, { type: 'Error', reason, message });
}
