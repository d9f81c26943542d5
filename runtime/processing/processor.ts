/**
 * The processing of one object's events (Kopf's `process_resource_event`): one context per event,
 * handed to the steps in Kopf's order — indexing (`indexing.ts`), then, once every index is populated,
 * the event handlers (`event-handlers.ts`), then the resource causes (`resource-causes.ts`: spawning,
 * changing). Framework errors are throttled per object with `settings.queueing.errorDelays` and
 * logged naming the object; a PATCH refused for good (`persisting.ts`) is one line with its fix.
 */
import { describeError } from '../structs/errors.ts';
import { sleepUnless } from '../structs/timing.ts';
import type { ObjectKey, ObjectProcessor, WatchEvent } from '../watching/types.ts';
import { eventContext, objectKwargs, type EventContext, type ProcessorOptions } from './context.ts';
import { processEventHandlers } from './event-handlers.ts';
import { processIndexing } from './indexing.ts';
import { asFilterKwargs } from './kwargs.ts';
import { anyPrematches } from './matching.ts';
import { ObjectMemories } from './memories.ts';
import { PersistenceError } from './persisting.ts';
import { processResourceCauses } from './resource-causes.ts';

export type { ProcessingStats, ProcessorOptions } from './context.ts';

export function createProcessor(options: ProcessorOptions): ObjectProcessor {
  const memories = new ObjectMemories(options.memo ?? {});
  return async (key: ObjectKey, event: WatchEvent, pressure: AbortSignal): Promise<void> => {
    // A real deletion keeps our shard label; an object that left our shard is handed over instead.
    const standing = options.shard?.standing(event.object) ?? 'mine';
    if (standing !== 'mine' && !(standing === 'draining' && event.type === 'DELETED')) {
      // The worker runs one cycle at a time: the previous one (and its patches) has finished. The
      // object leaves this replica's indexes as if deleted; its daemons stop; its memory goes.
      const gone = { type: 'DELETED' as const, object: event.object };
      await processIndexing(eventContext(options, key, gone, memories.recall(key.uid, false), pressure));
      await options.spawner?.release(key.uid, options.settings.process.gracefulShutdownTimeout);
      memories.forget(key.uid);
      if (standing === 'draining') await options.shard?.release(key);
      return;
    }
    const memory = memories.recall(key.uid, event.type === null);
    const context = eventContext(options, key, event, memory, pressure);
    // Indexes first, for every event (so other objects' handlers see this one), then the gate.
    await processIndexing(context);
    await options.gate?.ready(options.signal);
    if (options.signal.aborted) return;
    await processEventHandlers(context);
    if (event.type === 'DELETED') {
      options.spawner?.forget(key.uid);
      memories.forget(key.uid);
      processGone(context);
      return;
    }
    await throttled(context, () => processResourceCauses(context));
  };
}

/** The object is gone from the cluster: nothing to do but to say so (if anyone cares). */
function processGone(context: EventContext): void {
  const kwargs = { ...asFilterKwargs(objectKwargs(context)), reason: 'delete' as const, memo: {} };
  if (anyPrematches(context.options.handlers, kwargs)) {
    context.logger.debug('Deleted, really deleted, and we are notified.');
  }
}

/**
 * Run a cycle; after an unexpected error, wait per `settings.queueing.errorDelays` (consecutive
 * errors wait longer) and retry, unless a newer event or the operator's stop comes first.
 */
async function throttled(context: EventContext, cycle: () => Promise<void>): Promise<void> {
  const { options, memory, localLogger: logger, pressure } = context;
  for (;;) {
    try {
      await cycle();
      memory.errorsInRow = 0;
      return;
    } catch (error) {
      const delays = options.settings.queueing.errorDelays;
      const throttle = delays[Math.min(memory.errorsInRow, delays.length - 1)] ?? 60;
      memory.errorsInRow++;
      if (error instanceof PersistenceError) {
        // A cause that does not pass by itself (a missing permission, too much to store): one line
        // with the fix, and no sooner than a failed handler's default backoff.
        const delay = Math.max(throttle, options.settings.execution.defaultBackoff);
        logger.error(`${error.message} Retrying in ${delay} seconds.`);
        if (!(await sleepUnless(delay, pressure, options.signal))) return;
        continue;
      }
      const delay = throttle;
      logger.exception(
        `Throttling for ${delay} seconds due to an unexpected error: ${describeError(error, { name: true })}`,
        error,
      );
      if (!(await sleepUnless(delay, pressure, options.signal))) return;
      logger.info('Throttling is over. Switching back to normal operations.');
    }
  }
}
