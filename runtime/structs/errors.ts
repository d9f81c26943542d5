/**
 * The errors handlers throw to steer retries. Anything else a handler throws is an "arbitrary" error,
 * retried after the handler's `backoff` (or failed/ignored, per its `errors` option). And the one way
 * every layer turns a caught throwable into text for a log line or a message.
 */
import { inspect } from 'node:util';

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
 * A caught throwable as text for a log line or a message. Errors give their message (or their name if
 * the message is empty; with `name`, `Name: message`). JavaScript can throw anything: a string is
 * shown as is, a plain object or array as JSON, a class instance in its inspected form, which starts
 * with the class name — never `[object Object]`.
 */
export function describeError(error: unknown, options: { name?: boolean } = {}): string {
  if (error instanceof Error) {
    if (options.name && error.message) return `${error.name}: ${error.message}`;
    return error.message || error.name;
  }
  if (typeof error === 'string') return error;
  if (typeof error === 'function') return `[function ${error.name || '(anonymous)'}]`;
  if (typeof error !== 'object' || error === null) return String(error);
  const prototype: unknown = Object.getPrototypeOf(error);
  if (prototype === Object.prototype || prototype === null || Array.isArray(error)) {
    try {
      const json = JSON.stringify(error);
      if (json !== undefined) return json;
    } catch {
      // Cycles or BigInts: the inspected form below still describes it.
    }
  }
  return inspect(error, { depth: 2, breakLength: Infinity });
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
