/** One attempt of a handler: error taxonomy and the retries/timeout math (strict and look-ahead). */
import { describe, expect, test } from 'vitest';
import { executeOnce, type ExecutionContext } from '../../runtime/processing/execution.ts';
import type { AttemptKwargs, ChangeKwargs, ChangingHandler } from '../../runtime/processing/handlers.ts';
import {
  HandlerRetriesError,
  HandlerTimeoutError,
  PermanentError,
  TemporaryError,
} from '../../runtime/structs/errors.ts';
import type { Logger } from '../../runtime/structs/logging.ts';
import { freshState, type HandlerState } from '../../runtime/structs/progress.ts';
import { changeHandler } from './handler-kit.ts';

const lines: string[] = [];
const logger: Logger = {
  debug: (m) => lines.push(`debug:${m}`),
  info: (m) => lines.push(`info:${m}`),
  warning: (m) => lines.push(`warning:${m}`),
  warn: (m) => lines.push(`warning:${m}`),
  error: (m) => lines.push(`error:${m}`),
  exception: (m) => lines.push(`error:${m}`),
};

function handler(
  fn: (kwargs: ChangeKwargs) => unknown,
  options: Partial<ChangingHandler> = {},
): ChangingHandler {
  return changeHandler({ fn, param: 'P', ...options });
}

function run(
  h: ChangingHandler,
  state: Partial<HandlerState> = {},
  options: Pick<ExecutionContext<unknown>, 'storesResult' | 'stillRunningInterval'> = {},
) {
  lines.length = 0;
  const kwargs = { signal: new AbortController().signal } as Omit<ChangeKwargs, keyof AttemptKwargs>;
  return executeOnce({
    handler: h,
    state: { ...freshState('create'), ...state },
    kwargs,
    logger,
    defaultBackoff: 60,
    ...options,
  });
}

const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

describe('executeOnce', () => {
  test('success carries the result and passes retry/param', async () => {
    let seen: unknown;
    const outcome = await run(
      handler(({ retry, param }) => ((seen = { retry, param }), 42)),
      { retries: 2 },
    );
    expect(outcome).toEqual({ final: true, result: 42 });
    expect(seen).toEqual({ retry: 2, param: 'P' });
    expect(lines).toEqual(["debug:Handler 'fn' is invoked.", "info:Handler 'fn' succeeded."]);
  });
  test('TemporaryError delays by its delay', async () => {
    const outcome = await run(
      handler(() => {
        throw new TemporaryError('later', { delay: 7 });
      }),
    );
    expect(outcome).toMatchObject({ final: false, delay: 7 });
    expect(lines).toContain("error:Handler 'fn' failed temporarily: later");
  });
  test('PermanentError is final', async () => {
    const outcome = await run(
      handler(() => {
        throw new PermanentError('never');
      }),
    );
    expect(outcome.final).toBe(true);
    expect(outcome.error).toBeInstanceOf(PermanentError);
  });
  test('arbitrary errors back off by `backoff`, else the default', async () => {
    expect(
      await run(
        handler(
          () => {
            throw new Error('x');
          },
          { backoff: 3 },
        ),
      ),
    ).toMatchObject({ final: false, delay: 3 });
    expect(
      await run(
        handler(() => {
          throw new Error('x');
        }),
      ),
    ).toMatchObject({ final: false, delay: 60 });
  });
  test("errors: 'permanent' and 'ignored'", async () => {
    expect(
      await run(
        handler(
          () => {
            throw new Error('x');
          },
          { errors: 'permanent' },
        ),
      ),
    ).toMatchObject({ final: true });
    const ignored = await run(
      handler(
        () => {
          throw new Error('x');
        },
        { errors: 'ignored' },
      ),
    );
    expect(ignored).toEqual({ final: true });
  });
  test('retries: strict check before invoking', async () => {
    let called = false;
    const outcome = await run(
      handler(
        () => {
          called = true;
        },
        { retries: 3 },
      ),
      { retries: 3 },
    );
    expect(called).toBe(false);
    expect(outcome.error).toBeInstanceOf(HandlerRetriesError);
  });
  test('retries: look-ahead makes the last allowed failure final (at most N attempts)', async () => {
    const outcome = await run(
      handler(
        () => {
          throw new TemporaryError('t', { delay: 1 });
        },
        { retries: 3 },
      ),
      { retries: 2 },
    );
    expect(outcome.final).toBe(true);
    expect(outcome.error).toBeInstanceOf(HandlerRetriesError);
    const earlier = await run(
      handler(
        () => {
          throw new TemporaryError('t', { delay: 1 });
        },
        { retries: 3 },
      ),
      { retries: 1 },
    );
    expect(earlier.final).toBe(false);
  });
  test('timeout: strict check since the first attempt', async () => {
    const outcome = await run(
      handler(() => undefined, { timeout: 10 }),
      { started: secondsAgo(11) },
    );
    expect(outcome.error).toBeInstanceOf(HandlerTimeoutError);
  });
  test('timeout: look-ahead with the next delay', async () => {
    const h = handler(
      () => {
        throw new TemporaryError('t', { delay: 5 });
      },
      { timeout: 10 },
    );
    expect((await run(h, { started: secondsAgo(6) })).error).toBeInstanceOf(HandlerTimeoutError);
    expect((await run(h, { started: secondsAgo(1) })).final).toBe(false);
    const arbitrary = handler(
      () => {
        throw new Error('x');
      },
      { timeout: 10, backoff: 20 },
    );
    expect((await run(arbitrary)).error).toBeInstanceOf(HandlerTimeoutError);
  });
  test('async handlers are awaited', async () => {
    expect(
      await run(
        handler(async () => {
          await new Promise((r) => setTimeout(r, 5));
          return 'later';
        }),
      ),
    ).toEqual({ final: true, result: 'later' });
  });
});

describe('a handler that does not return', () => {
  test('is cut at its timeout: its signal aborts and the attempt fails for good', async () => {
    let signal: AbortSignal | undefined;
    const hanging = handler(({ signal: given }) => {
      signal = given;
      return new Promise(() => undefined);
    });
    const outcome = await run({ ...hanging, timeout: 0.3 });
    expect(outcome.final).toBe(true);
    expect(outcome.error).toBeInstanceOf(HandlerTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(lines).toContain("error:Handler 'fn' has timed out after 0.3 seconds and is cut.");
  });
  test('without a timeout, is reported as still running until it returns', async () => {
    const slow = handler(() => new Promise((resolve) => setTimeout(() => resolve('done'), 1500)));
    const outcome = await run(slow, {}, { stillRunningInterval: 0.5 });
    expect(outcome).toEqual({ final: true, result: 'done' });
    expect(lines.some((line) => /^warning:Handler 'fn' is still running for \d+ s\.$/.test(line))).toBe(true);
  });
  test('a daemon (no reports) runs on without a line', async () => {
    const slow = handler(() => new Promise((resolve) => setTimeout(() => resolve('done'), 300)));
    await run(slow, {}, { stillRunningInterval: 0 });
    expect(lines.filter((line) => line.includes('still running'))).toEqual([]);
  });
});

describe('a result that cannot be stored', () => {
  const circular: Record<string, unknown> = { name: 'x' };
  circular.self = circular;
  test.each([
    ['circular', circular, 'a circular reference at .self'],
    ['a BigInt', { size: 10n }, 'a BigInt at .size'],
    ['a function', () => 1, 'a function at the top level'],
    ['a function in an array', { items: [1, () => 2] }, 'a function at .items[1]'],
  ])('(%s) is a failure naming the part, retried as any error', async (_, result, part) => {
    const outcome = await run(
      handler(() => result),
      {},
      { storesResult: true },
    );
    expect(outcome).toMatchObject({ final: false, delay: 60 });
    expect(outcome.error?.message).toContain(`cannot be stored as JSON: ${part}.`);
  });
  test('plain data, dates and shared (not circular) parts are stored', async () => {
    const shared = { a: 1 };
    const result = { when: new Date(0), one: shared, two: shared, list: [null, 'x', 1.5, true] };
    expect(
      await run(
        handler(() => result),
        {},
        { storesResult: true },
      ),
    ).toEqual({ final: true, result });
  });
  test('counts against `retries` like any failure', async () => {
    const outcome = await run(
      handler(() => ({ size: 1n }), { retries: 2 }),
      { retries: 1 },
      { storesResult: true },
    );
    expect(outcome.final).toBe(true);
    expect(outcome.error).toBeInstanceOf(HandlerRetriesError);
  });
});
