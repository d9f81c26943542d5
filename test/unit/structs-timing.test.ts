/** Interruptible sleeps and abort waits, shared by every layer's hot paths. */
import { describe, expect, test } from 'vitest';
import { sleep, sleepUnless, whenAborted } from '../../runtime/structs/timing.ts';

describe('whenAborted', () => {
  test('calls each waiting callback once when the signal aborts', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    whenAborted(controller.signal, () => calls.push('a'));
    whenAborted(controller.signal, () => calls.push('b'));
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'b']);
  });

  test('a removed callback is not called', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const removals = Array.from({ length: 10_000 }, (_, i) =>
      whenAborted(controller.signal, () => calls.push(i)),
    );
    for (const remove of removals.slice(1)) remove();
    controller.abort();
    expect(calls).toEqual([0]);
  });

  test('calls the callback at once for a signal that has aborted', () => {
    const calls: string[] = [];
    whenAborted(AbortSignal.abort(), () => calls.push('now'));
    expect(calls).toEqual(['now']);
  });
});

describe('sleepUnless', () => {
  test('resolves true when the time passed without an abort', async () => {
    const controller = new AbortController();
    expect(await sleepUnless(0.01, controller.signal, new AbortController().signal)).toBe(true);
  });

  test('resolves false as soon as any of the signals aborts', async () => {
    const first = new AbortController();
    const second = new AbortController();
    const sleeping = sleepUnless(3600, first.signal, second.signal);
    second.abort();
    expect(await sleeping).toBe(false);
  });

  test('resolves false at once for a signal that has aborted, and true at once for no time', async () => {
    expect(await sleepUnless(3600, AbortSignal.abort())).toBe(false);
    expect(await sleep(0, new AbortController().signal)).toBe(true);
  });

  test('a finished sleep leaves nothing behind on its signals', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    await sleepUnless(0.001, controller.signal);
    whenAborted(controller.signal, () => calls.push('only this one'));
    controller.abort();
    expect(calls).toEqual(['only this one']);
  });
});
