/** What the operator remembers about each object between events (lost on restart, by design). */
import type { PatchFn } from './handlers.ts';

export interface ObjectMemory {
  /** Per-object `memo` handed to handlers (a shallow copy of the operator's memo at first sight). */
  memo: Record<string, unknown>;
  /** First seen through a listing (so resume handlers apply), as opposed to a live event. */
  noticedByListing: boolean;
  /** All handlers of some cause succeeded once in this process: resume handlers never repeat. */
  fullyHandledOnce: boolean;
  /** After our own PATCH: the resourceVersion the watch must deliver before change handlers run. */
  expectedVersion: string | undefined;
  /** Until when (epoch ms) to wait for `expectedVersion` before assuming consistency. */
  expectedDeadline: number;
  /** Consecutive framework errors (index into `settings.queueing.errorDelays`). */
  errorsInRow: number;
  /** Our finalizer was released from this deleted object: the deletion is handled for good. */
  deletionReleased: boolean;
  /** Handlers' `patch.fns` postponed by a conflict: applied in the object's next cycle (as Kopf does). */
  remainingFns: PatchFn[];
}

export class ObjectMemories {
  readonly #memories = new Map<string, ObjectMemory>();
  readonly #memo: Record<string, unknown>;

  constructor(memo: Record<string, unknown>) {
    this.#memo = memo;
  }

  recall(uid: string, listed: boolean): ObjectMemory {
    let memory = this.#memories.get(uid);
    if (!memory) {
      memory = {
        memo: { ...this.#memo },
        noticedByListing: listed,
        fullyHandledOnce: false,
        expectedVersion: undefined,
        expectedDeadline: 0,
        errorsInRow: 0,
        deletionReleased: false,
        remainingFns: [],
      };
      this.#memories.set(uid, memory);
    }
    return memory;
  }

  forget(uid: string): void {
    this.#memories.delete(uid);
  }

  get size(): number {
    return this.#memories.size;
  }
}
