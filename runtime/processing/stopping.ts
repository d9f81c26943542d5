/** The `stopped` flag of daemons and timers: why and when their task should end. */

/** Why a daemon or timer is being stopped (Kopf's `DaemonStoppingReason`, as strings). */
export type StopReason = 'filters-mismatch' | 'resource-deleted' | 'operator-pausing' | 'operator-exiting';

/**
 * Set when the task should end. `aborted`/`reason` tell whether and why; `wait(seconds)` sleeps
 * until stopped or the time has passed; `signal` aborts on stop (pass it to long awaits).
 */
export class DaemonStopped {
  readonly #controller = new AbortController();
  #reason: StopReason | undefined;

  /** Aborted when the task is stopped (for `fetch`, timers and the like). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  get reason(): StopReason | undefined {
    return this.#reason;
  }

  /**
   * Sleep until stopped or until `seconds` have passed (forever when omitted). Resolves `true` if
   * stopped, `false` on timeout: `while (!(await stopped.wait(10))) { ... }`.
   */
  wait(seconds?: number): Promise<boolean> {
    const signal = this.#controller.signal;
    if (signal.aborted) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        resolve(true);
      };
      if (seconds !== undefined && Number.isFinite(seconds)) {
        timer = setTimeout(
          () => {
            signal.removeEventListener('abort', onAbort);
            resolve(false);
          },
          Math.max(0, seconds) * 1000,
        );
      }
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stop (the first reason wins). */
  stop(reason: StopReason): void {
    if (this.aborted) return;
    this.#reason = reason;
    this.#controller.abort(reason);
  }
}
