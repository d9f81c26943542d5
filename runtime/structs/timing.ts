/**
 * Interruptible sleeping, shared by every layer: the client's retries, the watchers' reconnects, the
 * processing's delays, the reactor's retries.
 */

/**
 * Sleep for `seconds`, or less if `signal` aborts first. Resolves `true` when the full time passed,
 * `false` when interrupted; never rejects.
 */
export function sleep(seconds: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (seconds <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, seconds * 1000);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error to throw when an operation stops because its signal aborted: its reason, as an Error. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/**
 * An abort reason made once per purpose: `controller.abort(reason)` with a shared Error costs
 * nothing, while a bare `abort()` builds a DOMException with a stack trace every time (it showed in
 * the CPU profile of bursts).
 */
export function abortedBecause(why: string): Error {
  const error = new Error(why);
  error.name = 'AbortError';
  return error;
}

const INTERRUPTED = abortedBecause('the sleep was interrupted');

/**
 * Sleep for `seconds` unless any of the signals aborts first. Resolves `true` when the full time
 * passed. (`AbortSignal.any` would keep a dependent signal per call alive as long as the
 * operator-wide signal lives; one per event adds up.)
 */
export async function sleepUnless(seconds: number, ...signals: AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return false;
  const local = new AbortController();
  const abort = () => local.abort(INTERRUPTED);
  for (const s of signals) s.addEventListener('abort', abort, { once: true });
  try {
    return await sleep(seconds, local.signal);
  } finally {
    for (const s of signals) s.removeEventListener('abort', abort);
  }
}

/** Resolves when `signal` aborts (at once if it has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
