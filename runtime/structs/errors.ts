/**
 * The errors handlers throw to steer retries. Anything else a handler throws is an "arbitrary" error,
 * retried after the handler's `backoff` (or failed/ignored, per its `errors` option). `describeError`
 * (in common/, shared with the generator) turns any caught throwable into text.
 */
export { describeError } from '../../common/errors.ts';

/** Retry the handler later: after `delay` seconds (default 60; `0` retries at once). */
export class TemporaryError extends Error {
  /** Seconds until the next attempt. */
  readonly delay: number;
  constructor(message = '', options: { delay?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TemporaryError';
    this.delay = options.delay ?? 60;
  }
}

/** Fail the handler for good: it is not retried, and the failure is recorded. */
export class PermanentError extends Error {
  constructor(message = '', options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PermanentError';
  }
}

/** The handler ran out of its `timeout` (seconds since its first attempt); a permanent failure. */
export class HandlerTimeoutError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerTimeoutError';
  }
}

/** The handler ran out of its `retries`; a permanent failure. */
export class HandlerRetriesError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerRetriesError';
  }
}

/**
 * Reject an admission request (`kopf.on.validate`/`kopf.on.mutate`): the API client sees `message`
 * with HTTP status `code` (default 500). Permanent, as in Kopf; preferred over other errors when
 * several handlers of one request fail.
 */
export class AdmissionError extends PermanentError {
  /** The HTTP status code of the rejection (e.g. 400, 403, 422). */
  readonly code: number;
  constructor(message = '', options: { code?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'AdmissionError';
    this.code = options.code ?? 500;
  }
}
