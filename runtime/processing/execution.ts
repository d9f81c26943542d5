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
import { unserialisablePart } from '../structs/serialising.ts';
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
  /**
   * The result goes to the object (`status.<id>`): it must be JSON-serialisable, or the attempt is a
   * failure (else the PATCH fails on every cycle while the handler counts as succeeded).
   */
  storesResult?: boolean;
  /**
   * Seconds between "still running" lines while an attempt runs without a `timeout` (default
   * {@link STILL_RUNNING_INTERVAL}); `0` for handlers that run for long by design (daemons).
   */
  stillRunningInterval?: number;
}

/** How often a handler without a `timeout` is reported as still running, in seconds (by default). */
export const STILL_RUNNING_INTERVAL = 60;

/** Thrown by `kopf.execute()` (and after a parent returns) while sub-handlers are unfinished. */
export class ChildrenRetry extends TemporaryError {
  constructor(delay: number) {
    super('Sub-handlers are not finished yet.', { delay });
    this.name = 'ChildrenRetry';
  }
}

export async function executeOnce<Kwargs extends { signal: AbortSignal }>(
  context: ExecutionContext<Kwargs>,
): Promise<Outcome> {
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
      const call = (signal: AbortSignal) =>
        handler.fn({
          ...context.kwargs,
          signal,
          retry: state.retries,
          started: state.started,
          runtime,
          param: handler.param,
        });
      // Helpers such as `kopf.adopt()` default to the object of the handler running now.
      const body = context.body;
      const remaining = handler.timeout === undefined ? undefined : handler.timeout - runtime;
      result = await supervise({
        call: (signal) =>
          body ? runInHandlerContext({ ...currentHandlerContext(), body }, () => call(signal)) : call(signal),
        signal: context.kwargs.signal,
        remaining,
        stillRunningInterval: context.stillRunningInterval ?? STILL_RUNNING_INTERVAL,
        onStillRunning: (seconds) => logger.warning(`${title} is still running for ${seconds} s.`),
        onTimeout: () =>
          new HandlerTimeoutError(`${title} has timed out after ${handler.timeout} seconds and is cut.`),
      });
      const unstorable = context.storesResult ? unserialisablePart(result) : undefined;
      if (unstorable) {
        throw new Error(
          `${title} returned a result that cannot be stored as JSON: ${unstorable}. Return plain data (objects, arrays, strings, finite numbers, booleans, null).`,
        );
      }
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

interface Supervision {
  /** The handler's call, given the attempt's signal (aborted at the stop and at the timeout). */
  call: (signal: AbortSignal) => unknown;
  /** The operator's (or the daemon's) stop signal. */
  signal: AbortSignal;
  /** Seconds left until the handler's `timeout`; `undefined` without one. */
  remaining: number | undefined;
  /** Seconds between reports while there is no timeout; `0`: never report. */
  stillRunningInterval: number;
  onStillRunning: (seconds: number) => void;
  onTimeout: () => Error;
}

/**
 * Await a handler's attempt. With a timeout, the attempt is cut when it runs out: its signal aborts
 * and the attempt fails with the timeout error (a handler that ignores its signal runs on, but its
 * outcome no longer counts). Without one, a hanging handler is reported periodically, so users see
 * what is stuck.
 */
async function supervise(supervision: Supervision): Promise<unknown> {
  const { remaining, stillRunningInterval } = supervision;
  if (remaining === undefined) {
    const since = performance.now();
    const pending = supervision.call(supervision.signal);
    // A handler that returned (no promise) has nothing left to report: no timer for it.
    if (stillRunningInterval <= 0 || !(pending instanceof Promise)) return await pending;
    const timer = setInterval(
      () => supervision.onStillRunning(Math.round((performance.now() - since) / 1000)),
      stillRunningInterval * 1000,
    );
    try {
      return await pending;
    } finally {
      clearInterval(timer);
    }
  }
  const cut = new AbortController();
  // One dependent signal per attempt with a timeout (not per event): it goes when the attempt ends.
  const signal = AbortSignal.any([supervision.signal, cut.signal]);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = supervision.onTimeout();
      cut.abort(error);
      reject(error);
    }, remaining * 1000);
  });
  const attempt = Promise.resolve().then(() => supervision.call(signal));
  // A cut attempt may still settle later: its outcome is ignored, never an unhandled rejection.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
