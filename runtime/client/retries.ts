/**
 * The retry policy of API requests (Kopf §5): which answers are worth retrying, and how long to
 * wait. Pure functions, so the policy is testable without a server.
 */

/** Statuses retried with backoff: 429 (throttled) and 5xx (server trouble, e.g. during upgrades). */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
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
