/** Running activity handlers: all at once, retried per errors mode, failing for good with a clear error. */
import { expect, test } from 'vitest';
import { ActivityError, runActivity } from '../../runtime/reactor/activities.ts';
import * as kopf from '../../runtime/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';

kopf.configureLogging({ write: () => undefined });

function context(signal = new AbortController().signal) {
  return { settings: makeSettings({ execution: { defaultBackoff: 0.01 } }), memo: {}, signal };
}

test('all handlers of the activity run; results are collected by id; other activities are not run', async () => {
  const registry = new kopf.Registry();
  kopf.on.probe(() => 1, { registry, id: 'one' });
  kopf.on.probe(async () => ({ two: 2 }), { registry, id: 'two' });
  kopf.on.startup(
    () => {
      throw new Error('must not run');
    },
    { registry, id: 'other' },
  );
  const results = await runActivity(registry, 'probe', context());
  expect(Object.fromEntries(results)).toEqual({ one: 1, two: { two: 2 } });
});

test('arbitrary and temporary errors are retried with the attempt number; the memo and settings are shared', async () => {
  const registry = new kopf.Registry();
  const seen: number[] = [];
  kopf.on.startup(
    ({ retry, memo, settings }) => {
      seen.push(retry);
      if (retry === 0) throw new Error('arbitrary');
      if (retry === 1) throw new kopf.TemporaryError('later', { delay: 0.01 });
      memo.ready = true;
      settings.posting.enabled = false;
    },
    { registry, id: 'flaky' },
  );
  const ctx = context();
  await runActivity(registry, 'startup', ctx);
  expect(seen).toEqual([0, 1, 2]);
  expect(ctx.memo).toEqual({ ready: true });
  expect(ctx.settings.posting.enabled).toBe(false);
});

test('permanent errors, exhausted retries and errors="permanent" fail the activity naming each handler', async () => {
  const registry = new kopf.Registry();
  kopf.on.startup(
    () => {
      throw new kopf.PermanentError('broken');
    },
    { registry, id: 'permanent' },
  );
  kopf.on.startup(
    () => {
      throw new Error('again');
    },
    { registry, id: 'limited', retries: 2, backoff: 0.01 },
  );
  kopf.on.startup(
    () => {
      throw new Error('fatal');
    },
    { registry, id: 'strict', errors: 'permanent' },
  );
  kopf.on.startup(
    () => {
      throw new Error('ignored');
    },
    { registry, id: 'lenient', errors: 'ignored' },
  );
  const failure = await runActivity(registry, 'startup', context()).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ActivityError);
  const failures = (failure as ActivityError).failures;
  expect([...failures.keys()].sort()).toEqual(['limited', 'permanent', 'strict']);
  expect(failures.get('limited')).toBeInstanceOf(kopf.HandlerRetriesError);
  expect((failure as Error).message).toMatch(/^The startup activity failed: .*'permanent': broken/);
});

test('retrying stops when the operator stops', async () => {
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.startup(
    () => {
      calls++;
      throw new kopf.TemporaryError('forever', { delay: 60 });
    },
    { registry, id: 'forever' },
  );
  const stop = new AbortController();
  const running = runActivity(registry, 'startup', context(stop.signal));
  await new Promise((resolve) => setTimeout(resolve, 50));
  stop.abort();
  await expect(running).resolves.toEqual(new Map());
  expect(calls).toBe(1);
});

test('registration needs a stable id and refuses a duplicate id for another function', () => {
  const registry = new kopf.Registry();
  expect(() => kopf.on.startup(() => undefined, { registry })).toThrow(/needs an `id`/);
  kopf.on.cleanup(() => undefined, { registry, id: 'same' });
  expect(() => kopf.on.cleanup(() => undefined, { registry, id: 'same' })).toThrow(
    /Duplicate cleanup handler id/,
  );
});
