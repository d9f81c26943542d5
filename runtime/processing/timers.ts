/**
 * A timer's task (Kopf's timer semantics): `initialDelay` once; before each invocation, wait until
 * the object was `idle` (no essential changes) for that long; after a success, sleep `interval`
 * (with `sharp`, to the next multiple of it since the invocation began); with `idle` only, wait for
 * the next change; with neither, run once. Errors retry after their delay/backoff instead. A
 * permanent failure stops the timer for this object (until the operator restarts).
 */
import { freshState, withOutcome } from '../structs/progress.ts';
import { invokeOnce, sleepInitialDelay, type TaskContext, type TaskEnd } from './tasks.ts';

export async function runTimer(context: TaskContext): Promise<TaskEnd> {
  const { handler, stopped, object } = context;
  const title = `Timer '${handler.id}'`;
  const delayed = await sleepInitialDelay(context, title);
  if (delayed) return delayed;
  let state = freshState(undefined);
  while (!stopped.aborted) {
    if (handler.idle !== undefined && (await waitForIdle(context, handler.idle))) return 'stopped';
    const began = Date.now();
    const outcome = await invokeOnce(context, state, title);
    if (!outcome.final) {
      state = withOutcome(state, outcome);
      await stopped.wait(outcome.delay ?? 0);
      continue;
    }
    if (outcome.error) {
      object.logger.warning(`${title} has failed permanently and will not run again for this object.`);
      return 'failed';
    }
    state = freshState(undefined); // retries and runtime count per success
    if (handler.interval !== undefined) {
      const elapsed = (Date.now() - began) / 1000;
      const sleep = handler.sharp ? handler.interval - (elapsed % handler.interval) : handler.interval;
      await stopped.wait(sleep);
    } else if (handler.idle !== undefined) {
      await Promise.race([object.nextChange, stopped.wait()]);
    } else {
      return 'exited';
    }
  }
  return 'stopped';
}

/** Sleep until the object has had no essential change for `idle` seconds; `true` if stopped. */
async function waitForIdle(context: TaskContext, idle: number): Promise<boolean> {
  const { object, stopped } = context;
  for (;;) {
    const remaining = idle - (Date.now() - object.lastChange) / 1000;
    if (remaining <= 0) return stopped.aborted;
    if (await stopped.wait(remaining)) return true;
  }
}
