/**
 * Interruptible sleeping, shared by every layer: the client's retries, the watchers' reconnects, the
 * processing's delays, the reactor's retries.
 */

/**
 * Sleep for `seconds`, or less if `signal` aborts first. Resolves `true` when the full time passed,
 * `false` when interrupted; never rejects.
 */
export function sleep(seconds: number, signal?: AbortSignal): Promise<boolean> {
  return signal ? sleepUnless(seconds, signal) : sleepUnless(seconds);
}

/**
 * Callbacks waiting for a signal's abort, behind one real listener per signal. Node's AbortSignal (an
 * EventTarget) costs ~7 µs to add and remove a listener even when it has none, and scans every listener
 * it holds on each addition and removal (~75 µs each with 10,000): per-event waits — one per object in a
 * burst, on the operator-wide signal — add up to a quadratic. A Set here costs neither.
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Call `callback` once when `signal` aborts (at once if it has); returns the removal. For the many
 * short waits of the hot paths; an abort listener of one's own is fine for the few long-lived ones.
 */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    callback();
    return () => undefined;
  }
  const callbacks = waiting.get(signal) ?? waitFor(signal);
  callbacks.add(callback);
  return () => callbacks.delete(callback);
}

/**
 * The one listener of `signal`. Made here, not in {@link whenAborted}: a closure keeps its whole scope,
 * and one made beside the first `callback` would keep that callback (and whatever it resolves, e.g. an
 * event with its body) until the signal aborts.
 */
function waitFor(signal: AbortSignal): Set<() => void> {
  const callbacks = new Set<() => void>();
  signal.addEventListener(
    'abort',
    () => {
      waiting.delete(signal);
      for (const callback of callbacks) callback();
      callbacks.clear();
    },
    { once: true },
  );
  waiting.set(signal, callbacks);
  return callbacks;
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

/**
 * Sleep for `seconds` unless any of the signals aborts first. Resolves `true` when the full time
 * passed, `false` when interrupted; never rejects. (`AbortSignal.any` would keep a dependent signal per
 * call alive as long as the operator-wide signal lives; one per event adds up.)
 */
export function sleepUnless(seconds: number, ...signals: AbortSignal[]): Promise<boolean> {
  if (signals.some((s) => s.aborted)) return Promise.resolve(false);
  if (seconds <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const removals: Array<() => void> = [];
    const finish = (complete: boolean) => {
      clearTimeout(timer);
      for (const remove of removals) remove();
      resolve(complete);
    };
    const timer = setTimeout(() => finish(true), seconds * 1000);
    for (const s of signals) removals.push(whenAborted(s, () => finish(false)));
  });
}

/** Resolves when `signal` aborts (at once if it has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
