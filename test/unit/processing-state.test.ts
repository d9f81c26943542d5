/** Progress storages and the state algebra: what gets written, purged, and when a cause is done. */
import { describe, expect, test } from 'vitest';
import type { ChangingHandler } from '../../runtime/processing/handlers.ts';
import { selectHandlers } from '../../runtime/processing/lifecycles.ts';
import { lifecycleProblem } from '../../runtime/structs/settings-checks.ts';
import * as states from '../../runtime/processing/state.ts';
import { progressStorage } from '../../runtime/processing/storage.ts';
import { freshState } from '../../runtime/structs/progress.ts';
import { defaultSettings, type LifecycleFn } from '../../runtime/structs/settings.ts';
import { changeHandler, objectArgs } from './handler-kit.ts';

const persistence = defaultSettings().persistence;
const handler = (id: string): ChangingHandler => changeHandler({ id });

describe('annotations storage', () => {
  const storage = progressStorage({ ...persistence, progressStorage: 'annotations' });
  test('stores compact JSON under V2 and V1 keys', () => {
    const patch: Record<string, unknown> = {};
    const id = 'a'.repeat(50);
    storage.store({}, patch, id, { started: 's', retries: 0 });
    expect(patch).toEqual({
      metadata: {
        annotations: {
          [`kopf.zalando.org/${'a'.repeat(50)}`]: '{"started":"s","retries":0}',
          [`kopf.zalando.org/${'a'.repeat(39)}-koaVtw`]: '{"started":"s","retries":0}',
        },
      },
    });
  });
  test('purging nulls what the body has and drops what is only pending in the patch', () => {
    const body = { metadata: { annotations: { 'kopf.zalando.org/old': '{}' } } };
    const patch: Record<string, unknown> = { metadata: { annotations: { 'kopf.zalando.org/new': '{}' } } };
    storage.purge(body, patch, 'old');
    storage.purge(body, patch, 'new');
    expect(patch).toEqual({ metadata: { annotations: { 'kopf.zalando.org/old': null } } });
  });
  test('a foreign prefix gets the kopf-managed marker', () => {
    const own = progressStorage({
      ...persistence,
      annotationsPrefix: 'example.com',
      progressStorage: 'annotations',
    });
    const patch: Record<string, unknown> = {};
    own.store({}, patch, 'fn', { retries: 0 });
    expect(patch).toEqual({
      metadata: { annotations: { 'example.com/fn': '{"retries":0}', 'example.com/kopf-managed': 'yes' } },
    });
  });
  test('touch sets and removes the touch-dummy', () => {
    const patch: Record<string, unknown> = {};
    storage.touch({}, patch, 'now');
    expect(patch).toEqual({ metadata: { annotations: { 'kopf.zalando.org/touch-dummy': 'now' } } });
    const removal: Record<string, unknown> = {};
    storage.touch(
      { metadata: { annotations: { 'kopf.zalando.org/touch-dummy': 'then' } } },
      removal,
      undefined,
    );
    expect(removal).toEqual({ metadata: { annotations: { 'kopf.zalando.org/touch-dummy': null } } });
  });
});

describe('status storage', () => {
  const storage = progressStorage({ ...persistence, progressStorage: 'status' });
  test('keeps records as objects under status.kopf.progress, touches status.kopf.dummy', () => {
    const patch: Record<string, unknown> = {};
    storage.store({}, patch, 'fn/sub', { retries: 1 });
    storage.touch({}, patch, 'now');
    expect(patch).toEqual({ status: { kopf: { progress: { 'fn/sub': { retries: 1 } }, dummy: 'now' } } });
    expect(storage.fetch({ status: { kopf: { progress: { fn: { retries: 4 } } } } }, 'fn')).toEqual({
      retries: 4,
    });
  });
});

describe('smart storage', () => {
  const storage = progressStorage(persistence);
  test('reads status.kopf.progress left by older versions, writes annotations only', () => {
    const body = { status: { kopf: { progress: { fn: { retries: 2 } } } } };
    expect(storage.fetch(body, 'fn')).toEqual({ retries: 2 });
    const patch: Record<string, unknown> = {};
    storage.store(body, patch, 'fn', { retries: 3 });
    expect(patch).toEqual({ metadata: { annotations: { 'kopf.zalando.org/fn': '{"retries":3}' } } });
    const purge: Record<string, unknown> = {};
    storage.purge(body, purge, 'fn');
    expect(purge).toEqual({ status: { kopf: { progress: { fn: null } } } });
  });
});

describe('state', () => {
  const storage = progressStorage(persistence);
  const handlers = [handler('a'), handler('b')];

  test('a first-attempt success leaves no record once the cause is done', () => {
    let state = states.withHandlers(new Map(), 'create', handlers.slice(0, 1));
    state = states.withOutcomes(state, new Map([['a', { final: true, result: 1 }]]));
    const patch: Record<string, unknown> = {};
    states.storeState(state, {}, patch, storage);
    expect(states.isDone(state)).toBe(true);
    states.purgeState(state, {}, patch, storage, handlers);
    expect(patch).toEqual({ metadata: { annotations: {} } });
  });
  test('unchanged records are not rewritten', () => {
    const record =
      '{"started":"2026-01-01T00:00:00.123456+00:00","purpose":"create","retries":0,"success":false,"failure":false}';
    const body = { metadata: { annotations: { 'kopf.zalando.org/a': record } } };
    const state = states.withHandlers(
      states.readState(body, storage, handlers),
      'create',
      handlers.slice(0, 1),
    );
    const patch: Record<string, unknown> = {};
    states.storeState(state, body, patch, storage);
    expect(patch).toEqual({});
  });
  test('delays and counts', () => {
    const now = new Date();
    const state: states.State = new Map([
      ['a', { ...freshState('create', now), delayed: new Date(now.getTime() + 5000) }],
      ['b', { ...freshState('create', now), success: true }],
      ['c', { ...freshState('update', now), failure: true }],
    ]);
    expect(states.delays(state, now)).toEqual([5]);
    expect(states.isDone(state)).toBe(false);
    expect(states.counts(state, 'create')).toEqual({ success: 1, failure: 0, running: 1 });
    expect(states.extras(state, 'create')).toEqual(
      new Map([['update', { success: 0, failure: 1, running: 0 }]]),
    );
  });
});

describe('lifecycles', () => {
  const handlers = [handler('a'), handler('b'), handler('c')];
  const args = objectArgs();
  const ids = (selected: readonly { id: string }[]) => selected.map((h) => h.id);
  test('asap: the fewest retries first, registration order on ties', () => {
    const state = new Map([
      ['a', { ...freshState('create'), retries: 2 }],
      ['b', { ...freshState('create'), retries: 1 }],
      ['c', { ...freshState('create'), retries: 1 }],
    ]);
    expect(ids(selectHandlers('asap', handlers, state, args))).toEqual(['b']);
  });
  test('all-at-once and one-by-one', () => {
    expect(ids(selectHandlers('all-at-once', handlers, new Map(), args))).toEqual(['a', 'b', 'c']);
    expect(ids(selectHandlers('one-by-one', handlers, new Map(), args))).toEqual(['a']);
  });
  test('randomized: one handler, any of them over many cycles', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const selected = selectHandlers('randomized', handlers, new Map(), args);
      expect(selected).toHaveLength(1);
      seen.add(selected[0]!.id);
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(selectHandlers('randomized', [], new Map(), args)).toEqual([]);
  });
  test('shuffled: every handler once, in more than one order over many cycles', () => {
    const orders = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const selected = ids(selectHandlers('shuffled', handlers, new Map(), args));
      expect([...selected].sort()).toEqual(['a', 'b', 'c']);
      orders.add(selected.join(''));
    }
    expect(orders.size).toBeGreaterThan(1);
  });
  test('a function gets the due handlers, the progress and the object; it picks and orders them', () => {
    const state = new Map([['b', { ...freshState('create'), retries: 4 }]]);
    const seen: { ids: string[]; name: string; retries: number | undefined }[] = [];
    const lifecycle: LifecycleFn = (due, { name, state }) => {
      seen.push({ ids: ids(due), name, retries: state.get('b')?.retries });
      return [...due].reverse().slice(0, 2);
    };
    expect(ids(selectHandlers(lifecycle, handlers, state, args))).toEqual(['c', 'b']);
    expect(seen).toEqual([{ ids: ['a', 'b', 'c'], name: 'obj', retries: 4 }]);
  });
  test('a function returning what it was not given (or twice) is refused, naming it', () => {
    const stranger: LifecycleFn = () => [handler('x')] as never;
    const twice: LifecycleFn = (due) => [due[0]!, due[0]!];
    expect(() => selectHandlers(stranger, handlers, new Map(), args)).toThrow(
      'The lifecycle function stranger must return some of the handlers it was given, each at most once.',
    );
    expect(() => selectHandlers(twice, handlers, new Map(), args)).toThrow(/twice must return/);
  });
  test('an unknown name is refused with the choices', () => {
    expect(lifecycleProblem('one_by_one')).toBe(
      "settings.execution.lifecycle is 'one_by_one': must be 'asap', 'all-at-once', 'one-by-one', 'randomized', 'shuffled' or a function",
    );
    expect(lifecycleProblem('shuffled')).toBeUndefined();
    expect(lifecycleProblem(() => [])).toBeUndefined();
  });
});
