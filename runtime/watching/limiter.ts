/** A counting semaphore for the worker limit: FIFO, abortable, unlimited when the limit is undefined. */

export interface Limiter {
  /** Wait for a free slot; resolves false (without a slot) if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<boolean>;
  release(): void;
  /** Slots in use now. */
  readonly active: number;
}

/** `limit()` is read at every acquisition, so settings changed at startup apply. */
export function createLimiter(limit: () => number | undefined): Limiter {
  let active = 0;
  const waiters: Array<() => void> = [];
  const hasRoom = () => {
    const max = limit();
    return max === undefined || max <= 0 || active < max;
  };
  return {
    get active() {
      return active;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.resolve(false);
      if (waiters.length === 0 && hasRoom()) {
        active++;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => {
        const grant = () => {
          signal.removeEventListener('abort', onAbort);
          active++;
          resolve(true);
        };
        const onAbort = () => {
          const index = waiters.indexOf(grant);
          if (index >= 0) waiters.splice(index, 1);
          resolve(false);
        };
        waiters.push(grant);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    release() {
      active--;
      while (waiters.length > 0 && hasRoom()) waiters.shift()!();
    },
  };
}
