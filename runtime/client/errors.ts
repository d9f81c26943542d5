/**
 * Errors of the API-client layer. An {@link ApiError} is what callers see when the API answered with
 * an error that retries could not (or must not) fix: it carries the HTTP status, the `reason` and
 * `message` of the Kubernetes Status body, and the request, so log lines can name the object.
 */
import { describeError } from '../structs/errors.ts';
import type { ApiErrorShape } from './types.ts';

/** The Kubernetes `Status` object that accompanies error answers (all fields optional on the wire). */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; retryAfterSeconds?: number; causes?: unknown[] };
}

/** An error answer of the Kubernetes API (after retries where the policy allows them). */
export class ApiError extends Error implements ApiErrorShape {
  readonly status: number;
  readonly reason?: string;
  readonly request: string;
  /** The parsed Status body, if the server sent one. */
  readonly body?: StatusBody;

  constructor(options: { status: number; request: string; body?: StatusBody; text?: string }) {
    const detail = options.body?.message ?? (options.text?.trim().slice(0, 500) || 'no details');
    const reason = options.body?.reason;
    super(`${options.request} failed with ${options.status}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.name = 'ApiError';
    this.status = options.status;
    if (reason !== undefined) this.reason = reason;
    this.request = options.request;
    if (options.body !== undefined) this.body = options.body;
  }
}

/** A request that never got an HTTP answer (connection refused/reset, TLS failure, timeout). */
export class ApiConnectionError extends Error {
  readonly request: string;

  constructor(request: string, cause: unknown) {
    const what = describeError(cause);
    super(`${request} failed: ${what}`, { cause });
    this.name = 'ApiConnectionError';
    this.request = request;
  }
}

/**
 * No valid credentials are left (Kopf's `LoginError`): after a 401, the login handlers gave again
 * credentials the API server had just rejected. Retrying cannot help, so the client never retries it.
 */
export class LoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginError';
  }
}

/** True for any error the API layer raises for an HTTP status (narrows to {@link ApiError}). */
export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** Parse a body as a Kubernetes Status object, if it is one. */
export function parseStatus(text: string): StatusBody | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as StatusBody;
  } catch {
    // not JSON: the caller reports the raw text
  }
  return undefined;
}
