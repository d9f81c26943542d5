/** Progress storages and the state algebra: what gets written, purged, and when a cause is done. */
import { describe, expect, test } from 'vitest';
import type { ChangingHandler } from '../../runtime/processing/handlers.ts';
import { selectHandlers } from '../../runtime/processing/lifecycles.ts';
import * as states from '../../runtime/processing/state.ts';
import { progressStorage } from '../../runtime/processing/storage.ts';
import { freshState } from '../../runtime/structs/progress.ts';
import { defaultSettings } from '../../runtime/structs/settings.ts';
import { changeHandler } from './handler-kit.ts';

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
  test('asap: the fewest retries first, registration order on ties', () => {
    const state = new Map([
      ['a', { ...freshState('create'), retries: 2 }],
      ['b', { ...freshState('create'), retries: 1 }],
      ['c', { ...freshState('create'), retries: 1 }],
    ]);
    expect(selectHandlers('asap', handlers, state).map((h) => h.id)).toEqual(['b']);
  });
  test('all-at-once and one-by-one', () => {
    expect(selectHandlers('all-at-once', handlers, new Map()).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(selectHandlers('one-by-one', handlers, new Map()).map((h) => h.id)).toEqual(['a']);
  });
});
