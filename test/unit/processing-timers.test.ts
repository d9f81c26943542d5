/** Timer and daemon loops (no API calls: the handlers here write nothing). */
import { describe, expect, test } from 'vitest';
import type { ApiClient } from '../../runtime/client/types.ts';
import { PermanentError, TemporaryError } from '../../runtime/structs/errors.ts';
import { addLogListener, getLogger, type LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { runDaemon } from '../../runtime/processing/daemons.ts';
import type { SpawningHandler } from '../../runtime/processing/handlers.ts';
import { DaemonStopped } from '../../runtime/processing/stopping.ts';
import type { SpawnedObject, TaskContext } from '../../runtime/processing/tasks.ts';
import { runTimer } from '../../runtime/processing/timers.ts';
import { KOPF_EXAMPLES } from './handler-kit.ts';

const noClient = {} as ApiClient; // any request would fail the test

function context(fn: () => unknown, options: Partial<SpawningHandler> = {}): TaskContext {
  const handler: SpawningHandler = {
    kind: 'timer',
    id: 'fn',
    fn,
    selector: 'x',
    errors: undefined,
    retries: undefined,
    timeout: undefined,
    backoff: 0.01,
    param: undefined,
    initialDelay: undefined,
    ...options,
  };
  const object: SpawnedObject = {
    body: { metadata: { name: 'one', namespace: 'ns', uid: 'u' } },
    memo: {},
    logger: getLogger('test'),
    lastChange: Date.now(),
    nextChange: new Promise(() => undefined),
  };
  const resource = KOPF_EXAMPLES;
  return {
    client: noClient,
    resource,
    settings: makeSettings(),
    handler,
    object,
    stopped: new DaemonStopped(),
  };
}

describe('timers', () => {
  test('without interval or idle, a timer runs once and ends on its own', async () => {
    let calls = 0;
    expect(await runTimer(context(() => void calls++))).toBe('exited');
    expect(calls).toBe(1);
  });

  test('with an interval, it runs until stopped; errors retry after their delay', async () => {
    const times: number[] = [];
    const ctx = context(
      () => {
        times.push(Date.now());
        if (times.length === 2) throw new TemporaryError('once', { delay: 0.01 });
        if (times.length === 4) ctx.stopped.stop('resource-deleted');
      },
      { interval: 0.3 },
    );
    expect(await runTimer(ctx)).toBe('stopped');
    expect(times).toHaveLength(4);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290); // the interval
    expect(times[2]! - times[1]!).toBeLessThan(250); // the error's delay, not the interval
  });

  test('sharp timers keep the grid: a slow run shortens the sleep after it', async () => {
    const times: number[] = [];
    const ctx = context(
      async () => {
        times.push(Date.now());
        if (times.length === 1) await new Promise((resolve) => setTimeout(resolve, 200));
        if (times.length === 2) ctx.stopped.stop('operator-exiting');
      },
      { interval: 0.3, sharp: true },
    );
    await runTimer(ctx);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290);
    expect(times[1]! - times[0]!).toBeLessThan(450); // not 200 + 300
  });

  test('a permanent failure ends the timer for good', async () => {
    let calls = 0;
    const ctx = context(
      () => {
        calls++;
        throw new PermanentError('no');
      },
      { interval: 0.01 },
    );
    expect(await runTimer(ctx)).toBe('failed');
    expect(calls).toBe(1);
  });

  test('idle: runs once the object is unchanged for that long, then waits for the next change', async () => {
    const times: number[] = [];
    const ctx = context(() => void times.push(Date.now()), { idle: 0.1 });
    const lastChange = Date.now() + 100; // a change arriving "later" re-extends the wait
    ctx.object.lastChange = lastChange;
    const running = runTimer(ctx);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(times).toHaveLength(1);
    expect(times[0]! - lastChange).toBeGreaterThanOrEqual(95);
    ctx.stopped.stop('resource-deleted');
    expect(await running).toBe('stopped');
  });
});

describe('daemons', () => {
  test('a daemon is re-invoked after errors and ends when it returns', async () => {
    let calls = 0;
    const ctx = context(
      () => {
        calls++;
        if (calls < 3) throw new Error('retry me');
      },
      { kind: 'daemon' },
    );
    expect(await runDaemon(ctx)).toBe('exited');
    expect(calls).toBe(3);
  });

  test('a daemon stopped during its initial delay is never invoked', async () => {
    let calls = 0;
    const ctx = context(() => void calls++, { kind: 'daemon', initialDelay: 10 });
    const running = runDaemon(ctx);
    ctx.stopped.stop('operator-exiting');
    expect(await running).toBe('stopped');
    expect(calls).toBe(0);
  });
});

describe('a callable initialDelay', () => {
  test('is called once with the handler’s arguments, and its seconds are slept before the first call', async () => {
    const seen: unknown[] = [];
    let calls = 0;
    const ctx = context(() => void calls++, {
      kind: 'daemon',
      initialDelay: (kwargs) => {
        seen.push([kwargs.name, kwargs.namespace, kwargs.stopped === ctx.stopped]);
        return 3600;
      },
    });
    const running = runDaemon(ctx);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(0); // still sleeping the hour
    ctx.stopped.stop('operator-exiting');
    expect(await running).toBe('stopped');
    expect(seen).toEqual([['one', 'ns', true]]);
    expect(calls).toBe(0);
  });

  test('returning 0 starts a timer at once', async () => {
    let calls = 0;
    expect(await runTimer(context(() => void calls++, { initialDelay: () => 0 }))).toBe('exited');
    expect(calls).toBe(1);
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('no delay for you');
      },
      /Timer 'fn' could not compute its initialDelay.*no delay for you/s,
    ],
    [
      'returns NaN',
      () => Number.NaN,
      /Timer 'fn' will not run for this object: its initialDelay returned NaN, not a number of seconds ≥ 0\./,
    ],
    ['returns a negative number', () => -1, /its initialDelay returned -1, not a number of seconds ≥ 0/],
  ])(
    'that %s ends the task as failed with a log line naming the handler; the handler never runs',
    async (_, initialDelay, message) => {
      const records: LogRecord[] = [];
      const remove = addLogListener((record) => records.push(record));
      let calls = 0;
      try {
        expect(await runTimer(context(() => void calls++, { initialDelay, interval: 0.01 }))).toBe('failed');
      } finally {
        remove();
      }
      expect(calls).toBe(0);
      expect(
        records
          .filter((r) => r.level === 'error')
          .map((r) => r.message)
          .join('\n'),
      ).toMatch(message);
    },
  );
});
