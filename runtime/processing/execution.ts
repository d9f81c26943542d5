/**
 * Running a handler once and judging the outcome (Kopf's `execute_handler_once`): strict checks of
 * `retries`/`timeout` before the call; after a failure, a look-ahead that makes it final if the next
 * attempt would exceed them; TemporaryError/PermanentError/arbitrary errors per the `errors` mode.
 * One executor for every kind of handler (change, event, index, timer, daemon, activity): it is
 * generic over the arguments the kind is called with.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import {
  describeError,
  HandlerRetriesError,
  HandlerTimeoutError,
  PermanentError,
  TemporaryError,
} from '../structs/errors.ts';
import { currentHandlerContext, runInHandlerContext } from '../structs/contexts.ts';
import type { Logger } from '../structs/logging.ts';
import { addMetric, METRICS, observeMetric, resourceLabel } from '../structs/metrics.ts';
import { runtimeOf, type HandlerState, type Outcome } from '../structs/progress.ts';
import type { ExecutableHandler } from './handlers.ts';

export interface ExecutionContext<Kwargs> {
  handler: ExecutableHandler<Kwargs>;
  /** The attempts so far: how many, and since when. */
  state: Pick<HandlerState, 'retries' | 'started'>;
  /** Handler arguments without the attempt-specific ones (added here). */
  kwargs: Kwargs;
  /** The object the handler is about (helpers such as `kopf.adopt()` default to it); none for activities. */
  body?: KubernetesObject | undefined;
  /** The resource, for the metrics' labels (empty for activities). */
  resource?: ResourceInfo | undefined;
  logger: Logger;
  defaultBackoff: number;
  /** How log lines name the handler (default `Handler '<id>'`; e.g. `Timer '<id>'`). */
  title?: string;
  /** Log success at debug level (handlers that run on every event, e.g. indexers). */
  quiet?: boolean;
}

/** Thrown by `kopf.execute()` (and after a parent returns) while sub-handlers are unfinished. */
export class ChildrenRetry extends TemporaryError {
  constructor(delay: number) {
    super('Sub-handlers are not finished yet.', { delay });
    this.name = 'ChildrenRetry';
  }
}

export async function executeOnce<Kwargs>(context: ExecutionContext<Kwargs>): Promise<Outcome> {
  const { handler, state, logger } = context;
  const title = context.title ?? `Handler '${handler.id}'`;
  const runtime = runtimeOf(state);
  const backoff = handler.backoff ?? context.defaultBackoff;
  const mode = handler.errors ?? 'temporary';
  let result: unknown;
  // Outside the handler's try: a problem of ours must never be mistaken for the handler's failure.
  const labels = { handler: handler.id, resource: resourceLabel(context.resource) };
  try {
    logger.debug(`${title} is invoked.`);
    if (handler.timeout !== undefined && runtime >= handler.timeout) {
      throw new HandlerTimeoutError(`${title} has timed out after ${runtime.toFixed(3)} seconds.`);
    }
    if (handler.retries !== undefined && state.retries >= handler.retries) {
      throw new HandlerRetriesError(`${title} has exceeded ${state.retries} retries.`);
    }
    addMetric(METRICS.handlerRuns, labels);
    if (state.retries > 0) addMetric(METRICS.handlerRetries, labels);
    const invoked = performance.now();
    try {
      const call = () =>
        handler.fn({
          ...context.kwargs,
          retry: state.retries,
          started: state.started,
          runtime,
          param: handler.param,
        });
      // Helpers such as `kopf.adopt()` default to the object of the handler running now.
      const body = context.body;
      result = await (body ? runInHandlerContext({ ...currentHandlerContext(), body }, call) : call());
    } catch (error) {
      addMetric(METRICS.handlerFailures, labels);
      throw error;
    } finally {
      observeMetric(METRICS.handlerDuration, labels, (performance.now() - invoked) / 1000);
    }
  } catch (error) {
    const lookaheadRetries = handler.retries !== undefined && state.retries + 1 >= handler.retries;
    if (error instanceof ChildrenRetry) {
      // Not a failure: the parent is re-invoked when its earliest unfinished sub-handler is due.
      logger.debug(`${title} has unfinished sub-handlers; re-invoking in ${error.delay} seconds.`);
      return { final: false, delay: error.delay };
    }
    if (error instanceof TemporaryError) {
      const lookaheadTimeout = handler.timeout !== undefined && runtime + error.delay >= handler.timeout;
      if (lookaheadTimeout) {
        const message = `${title} failed temporarily but will time out after ${handler.timeout} seconds: ${describeError(error)}`;
        logger.error(message);
        return { final: true, error: new HandlerTimeoutError(message) };
      }
      if (lookaheadRetries) {
        const message = `${title} failed temporarily but will exceed ${handler.retries} retries: ${describeError(error)}`;
        logger.error(message);
        return { final: true, error: new HandlerRetriesError(message) };
      }
      logger.error(`${title} failed temporarily: ${describeError(error)}`);
      return { final: false, error, delay: error.delay };
    }
    if (error instanceof HandlerTimeoutError || error instanceof HandlerRetriesError) {
      logger.error(describeError(error));
      return { final: true, error };
    }
    if (error instanceof PermanentError) {
      logger.error(`${title} failed permanently: ${describeError(error)}`);
      return { final: true, error };
    }
    const wrapped = error instanceof Error ? error : new Error(describeError(error));
    const lookaheadTimeout = handler.timeout !== undefined && runtime + backoff >= handler.timeout;
    if (mode === 'ignored') {
      logger.exception(
        `${title} failed with an exception and will ignore it: ${describeError(error)}`,
        error,
      );
      return { final: true };
    }
    if (mode === 'temporary' && lookaheadTimeout) {
      const message = `${title} failed with an exception and will stop now (it would time out in ${handler.timeout} seconds on the next attempt): ${describeError(error)}`;
      logger.exception(message, error);
      return { final: true, error: new HandlerTimeoutError(message) };
    }
    if (mode === 'temporary' && lookaheadRetries) {
      const message = `${title} failed with an exception and will stop now (it would exceed ${handler.retries} retries on the next attempt): ${describeError(error)}`;
      logger.exception(message, error);
      return { final: true, error: new HandlerRetriesError(message) };
    }
    if (mode === 'temporary') {
      logger.exception(
        `${title} failed with an exception and will try again in ${backoff} seconds: ${describeError(error)}`,
        error,
      );
      return { final: false, error: wrapped, delay: backoff };
    }
    logger.exception(`${title} failed with an exception and will stop now: ${describeError(error)}`, error);
    return { final: true, error: wrapped };
  }
  if (context.quiet) logger.debug(`${title} succeeded.`);
  else logger.info(`${title} succeeded.`);
  return { final: true, result };
}
