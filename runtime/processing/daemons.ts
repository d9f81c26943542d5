/**
 * A daemon's task: invoke the handler; after a temporary or arbitrary error, invoke it again after
 * the delay/backoff; end when it returns, fails permanently, or is stopped.
 */
import { freshState, withOutcome } from '../structs/progress.ts';
import { invokeOnce, sleepInitialDelay, type TaskContext, type TaskEnd } from './tasks.ts';

export async function runDaemon(context: TaskContext): Promise<TaskEnd> {
  const { handler, stopped, object } = context;
  const title = `Daemon '${handler.id}'`;
  const delayed = await sleepInitialDelay(context, title);
  if (delayed) return delayed;
  let state = freshState(undefined);
  while (!stopped.aborted) {
    const outcome = await invokeOnce(context, state, title);
    if (outcome.final) {
      if (stopped.aborted) return 'stopped';
      if (outcome.error) return 'failed';
      object.logger.info(`${title} has exited on its own.`);
      return 'exited';
    }
    state = withOutcome(state, outcome);
    await stopped.wait(outcome.delay ?? 0);
  }
  return 'stopped';
}
