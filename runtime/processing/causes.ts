/**
 * Change detection: what happened to an object, in Kopf's order — gone, free, delete, create,
 * resume, noop, update — judged by the event, the deletion marks, and the diff against the diff-base.
 */
import type { KubernetesObject } from '../structs/bodies.ts';
import { diff, type Diff } from '../structs/diffs.ts';
import type { WatchEvent } from '../watching/types.ts';
import type { Reason } from './handlers.ts';

export type CauseKind = 'gone' | 'free' | 'delete' | 'create' | 'resume' | 'noop' | 'update';

export interface ChangingCause {
  kind: CauseKind;
  /** First seen by the initial listing and not yet fully handled in this process. */
  initial: boolean;
  /** Being deleted (has a deletionTimestamp). */
  deleted: boolean;
  diff: Diff;
  old: Record<string, unknown> | undefined;
  new: Record<string, unknown> | undefined;
}

/** Causes that run handlers, with their handler-facing reason and log titles. */
export const HANDLER_CAUSES: Record<string, { reason: Reason; title: string; done: string }> = {
  create: { reason: 'create', title: 'Creation', done: 'creation' },
  update: { reason: 'update', title: 'Updating', done: 'updating' },
  delete: { reason: 'delete', title: 'Deletion', done: 'deletion' },
  resume: { reason: 'resume', title: 'Resuming', done: 'resuming' },
};

export interface DetectInput {
  event: WatchEvent;
  body: KubernetesObject;
  /** The stored diff-base, or `undefined` if never handled. */
  old: Record<string, unknown> | undefined;
  /** The current essence. */
  new: Record<string, unknown>;
  initial: boolean;
  finalizer: string;
}

export function detectChangingCause(input: DetectInput): ChangingCause {
  const deleted = !!input.body.metadata?.deletionTimestamp;
  const base = { initial: input.initial, deleted, old: input.old, new: input.new };
  if (input.event.type === 'DELETED') return { ...base, kind: 'gone', diff: [] };
  const hasFinalizer = (input.body.metadata?.finalizers ?? []).includes(input.finalizer);
  if (deleted && !hasFinalizer) return { ...base, kind: 'free', diff: [] };
  const changes = input.old === undefined ? diff(undefined, input.new) : diff(input.old, input.new);
  if (deleted) return { ...base, kind: 'delete', diff: changes };
  if (input.old === undefined) return { ...base, kind: 'create', initial: false, diff: changes };
  if (changes.length === 0) return { ...base, kind: input.initial ? 'resume' : 'noop', diff: changes };
  return { ...base, kind: 'update', diff: changes };
}
