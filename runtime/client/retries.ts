/**
 * The retry policy of API requests (Kopf §5): which answers are worth retrying, and how long to
 * wait. Pure functions, so the policy is testable without a server.
 */

/** Statuses retried with backoff: 429 (throttled) and 5xx (server trouble, e.g. during upgrades). */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * A 429 that the API server answers while the watch cache of a resource is being filled — right after
 * a CRD is created, or after an apiserver restart. It is expected and ends by itself within seconds.
 */
export function isStorageInitializing(status: number, message: string | undefined): boolean {
  return status === 429 && /storage is \(re\)initializing/.test(message ?? '');
}

/** How many attempts an expected, self-ending failure may take before it is worth a warning. */
export const QUIET_ATTEMPTS = 3;

/**
 * The level of a "will try again" line: an expected failure (see {@link isStorageInitializing}) is
 * debug for its first {@link QUIET_ATTEMPTS} attempts and a warning only once it persists; anything else
 * is a warning at once.
 */
export function retryLogLevel(expected: boolean, attempt: number): 'debug' | 'warning' {
  return expected && attempt <= QUIET_ATTEMPTS ? 'debug' : 'warning';
}

/**
 * Seconds a 429 answer asks us to wait: the `Retry-After` header (seconds or an HTTP date), else
 * `details.retryAfterSeconds` of the Status body; undefined if neither is usable.
 */
export function retryAfterSeconds(
  header: string | string[] | undefined,
  body: { details?: { retryAfterSeconds?: number } } | undefined,
  now: number = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
  }
  const fromBody = body?.details?.retryAfterSeconds;
  return typeof fromBody === 'number' && fromBody >= 0 ? fromBody : undefined;
}

/**
 * The delay before the next attempt: the scheduled backoff, or the server's Retry-After when it is
 * longer (or always, with `enforceRetryAfter`).
 */
export function retryDelay(
  backoff: number,
  retryAfter: number | undefined,
  enforceRetryAfter: boolean,
): number {
  if (retryAfter === undefined) return backoff;
  return enforceRetryAfter ? retryAfter : Math.max(backoff, retryAfter);
}
