/** Sub-handlers: persisted per child, run only while unfinished, the parent re-invoked until all are done. */
import { expect, test } from 'vitest';
import { executeOnce } from '../../runtime/processing/execution.ts';
import type { ChangeKwargs } from '../../runtime/processing/handlers.ts';
import { progressStorage } from '../../runtime/processing/storage.ts';
import { declareSubhandler, withSubhandling } from '../../runtime/processing/subhandling.ts';
import type { KubernetesObject } from '../../runtime/structs/bodies.ts';
import { TemporaryError } from '../../runtime/structs/errors.ts';
import { getLogger } from '../../runtime/structs/logging.ts';
import { applyMergePatch } from '../../runtime/structs/patches.ts';
import { freshState, stateFromRecord } from '../../runtime/structs/progress.ts';
import { defaultSettings } from '../../runtime/structs/settings.ts';
import { changeHandler } from './handler-kit.ts';

const storage = progressStorage({ ...defaultSettings().persistence, progressStorage: 'annotations' });

test('children run until done; finished ones are skipped; the parent finishes last', async () => {
  const calls: string[] = [];
  let secondFails = true;
  const parent = changeHandler({
    id: 'parentFn',
    fn: () => {
      calls.push('parent');
      declareSubhandler(() => void calls.push('a'), { id: 'a' });
      declareSubhandler(
        () => {
          calls.push('b');
          if (secondFails) throw new TemporaryError('later', { delay: 5 });
          return { ok: true };
        },
        { id: 'b' },
      );
      return 'parent-result';
    },
  });
  let body: KubernetesObject = { metadata: { name: 'one', annotations: {} } };
  const cycle = async () => {
    const merge: Record<string, unknown> = {};
    const record = storage.fetch(body, 'parentFn');
    const wrapped = withSubhandling(parent, {
      body,
      merge,
      storage,
      purpose: 'create',
      lifecycle: 'all-at-once',
      defaultBackoff: 1,
      logger: getLogger('test'),
    });
    const outcome = await executeOnce({
      handler: wrapped.handler,
      state: record ? stateFromRecord(record) : freshState('create'),
      kwargs: {
        body,
        resource: { group: 'kopf.dev', version: 'v1', plural: 'x', namespaced: true },
      } as unknown as Omit<ChangeKwargs, 'retry' | 'started' | 'runtime' | 'param'>,
      logger: getLogger('test'),
      defaultBackoff: 1,
    });
    body = applyMergePatch(body, merge);
    return { outcome, merge, subrefs: [...wrapped.subrefs].sort() };
  };

  const first = await cycle();
  expect(calls).toEqual(['parent', 'a', 'b']);
  expect(first.outcome.final).toBe(false);
  expect(first.outcome.delay).toBeCloseTo(5, 1); // the delayed child's delay
  expect(first.subrefs).toEqual(['parentFn/a', 'parentFn/b']);
  expect(storage.fetch(body, 'parentFn/a')).toMatchObject({ success: true });
  expect(storage.fetch(body, 'parentFn/b')).toMatchObject({ success: false, retries: 1 });

  // Not due yet: the parent is re-invoked, re-declares, and nothing runs.
  calls.length = 0;
  const notDue = (await cycle()).outcome;
  expect(notDue.final).toBe(false);
  expect(notDue.delay).toBeGreaterThan(3); // the child's remaining delay (of 5 s)
  expect(notDue.delay).toBeLessThanOrEqual(5);
  expect(calls).toEqual(['parent']);

  // Due: only the unfinished child runs, then the parent succeeds with its own result.
  const annotations = body.metadata!.annotations!;
  const b = JSON.parse(annotations['kopf.zalando.org/parentFn.b']!) as Record<string, unknown>;
  annotations['kopf.zalando.org/parentFn.b'] = JSON.stringify({ ...b, delayed: undefined });
  secondFails = false;
  calls.length = 0;
  const last = await cycle();
  expect(calls).toEqual(['parent', 'b']);
  expect(last.outcome).toEqual({ final: true, result: 'parent-result' });
  expect(last.merge).toMatchObject({ status: { 'parentFn/b': { ok: true } } });
});
