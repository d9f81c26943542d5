/**
 * A counting semaphore for the worker limit: FIFO, closable, unlimited when the limit is undefined.
 * Waiters are released by {@link Limiter.close}, not by a listener each on an AbortSignal: an
 * EventTarget checks every listener it holds for duplicates when one is added (and searches them when
 * one is removed), so thousands of waiting objects on one signal cost quadratic time.
 */

export interface Limiter {
  /** Wait for a free slot; resolves false (without a slot) once the limiter is closed. */
  acquire(): Promise<boolean>;
  release(): void;
  /** No more slots: every waiter, and every later acquisition, resolves false. */
  close(): void;
  /** Slots in use now. */
  readonly active: number;
}

/** `limit()` is read at every acquisition, so settings changed at startup apply. */
export function createLimiter(limit: () => number | undefined): Limiter {
  let active = 0;
  let closed = false;
  // FIFO as an array and the index of its head: `shift()` would move every waiter behind it each time.
  let waiters: Array<(granted: boolean) => void> = [];
  let head = 0;
  const next = (): ((granted: boolean) => void) | undefined => {
    if (head === waiters.length) return undefined;
    const waiter = waiters[head++];
    if (head === waiters.length) [waiters, head] = [[], 0];
    else if (head >= 1024 && head * 2 >= waiters.length) [waiters, head] = [waiters.slice(head), 0];
    return waiter;
  };
  const hasRoom = () => {
    const max = limit();
    return max === undefined || max <= 0 || active < max;
  };
  return {
    get active() {
      return active;
    },
    acquire() {
      if (closed) return Promise.resolve(false);
      if (head === waiters.length && hasRoom()) {
        active++;
        return Promise.resolve(true);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    release() {
      active--;
      while (!closed && head < waiters.length && hasRoom()) {
        active++;
        next()!(true);
      }
    },
    close() {
      closed = true;
      for (let waiter = next(); waiter; waiter = next()) waiter(false);
    },
  };
}
