/** Filters (labels, annotations, field/value, old/new, when) and handler selection per cause. */
import { describe, expect, test } from 'vitest';
import type { ChangingCause } from '../../runtime/processing/causes.ts';
import type { ChangingHandler, FilterKwargs } from '../../runtime/processing/handlers.ts';
import {
  handlersForCause,
  matches,
  prematches,
  requiresFinalizer,
} from '../../runtime/processing/matching.ts';
import { diff } from '../../runtime/structs/diffs.ts';
import { ABSENT, PRESENT } from '../../runtime/structs/filters.ts';
import { changeHandler } from './handler-kit.ts';

const h = (options: Partial<ChangingHandler> = {}): ChangingHandler => changeHandler({ id: 'h', ...options });

function kwargs(
  old: Record<string, unknown> | undefined,
  neu: Record<string, unknown>,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): FilterKwargs {
  return {
    body: { metadata: meta, ...neu },
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    old,
    new: neu,
    diff: diff(old, neu),
  } as unknown as FilterKwargs;
}

describe('label and annotation filters', () => {
  const k = kwargs(undefined, { spec: {} }, { labels: { app: 'a', tier: 't' }, annotations: { note: 'n' } });
  test.each([
    [{ labels: { app: 'a' } }, true],
    [{ labels: { app: 'b' } }, false],
    [{ labels: { tier: PRESENT } }, true],
    [{ labels: { missing: PRESENT } }, false],
    [{ labels: { missing: ABSENT } }, true],
    [{ labels: { app: ABSENT } }, false],
    [{ labels: { app: (v: string | undefined) => v === 'a' } }, true],
    [{ annotations: { note: 'n' } }, true],
    [{ annotations: { note: ABSENT } }, false],
  ] as const)('%o → %s', (filters, expected) => {
    expect(prematches(h(filters as Partial<ChangingHandler>), k)).toBe(expected);
  });
});

describe('field filters', () => {
  test('value matches the old or the new value', () => {
    const k = kwargs({ spec: { size: 1 } }, { spec: { size: 2 } });
    expect(prematches(h({ field: ['spec', 'size'], value: 1 }), k)).toBe(true);
    expect(prematches(h({ field: ['spec', 'size'], value: 2 }), k)).toBe(true);
    expect(prematches(h({ field: ['spec', 'size'], value: 3 }), k)).toBe(false);
  });
  test('field alone means present', () => {
    expect(prematches(h({ field: ['spec', 'size'] }), kwargs(undefined, { spec: { size: 1 } }))).toBe(true);
    expect(prematches(h({ field: ['spec', 'size'] }), kwargs(undefined, { spec: {} }))).toBe(false);
  });
  test('change-requiring handlers need a change of their field', () => {
    const handler = h({ reason: 'update', field: ['spec', 'size'], requiresChange: true });
    expect(matches(handler, kwargs({ spec: { size: 1, x: 1 } }, { spec: { size: 1, x: 2 } }))).toBe(false);
    expect(matches(handler, kwargs({ spec: { size: 1 } }, { spec: { size: 2 } }))).toBe(true);
  });
  test('old/new criteria', () => {
    const handler = h({
      reason: 'update',
      field: ['spec', 'size'],
      requiresChange: true,
      old: 1,
      new: PRESENT,
    });
    expect(matches(handler, kwargs({ spec: { size: 1 } }, { spec: { size: 2 } }))).toBe(true);
    expect(matches(handler, kwargs({ spec: { size: 5 } }, { spec: { size: 2 } }))).toBe(false);
    expect(matches(handler, kwargs({ spec: { size: 1 } }, { spec: {} }))).toBe(false);
  });
  test('when is evaluated with the kwargs', () => {
    expect(
      prematches(
        h({ when: ({ labels }) => labels.app === 'a' }),
        kwargs(undefined, {}, { labels: { app: 'a' } }),
      ),
    ).toBe(true);
    expect(prematches(h({ when: () => false }), kwargs(undefined, {}))).toBe(false);
  });
});

describe('handlers for a cause', () => {
  const cause = (kind: ChangingCause['kind'], initial = false, deleted = false): ChangingCause => ({
    kind,
    initial,
    deleted,
    diff: [['add', ['spec', 'size'], undefined, 1]],
    old: undefined,
    new: { spec: { size: 1 } },
  });
  const create = h({ id: 'create', reason: 'create' });
  const update = h({ id: 'update', reason: 'update' });
  const resume = h({ id: 'resume', reason: undefined, initial: true });
  const resumeDeleted = h({ id: 'resumeDeleted', reason: undefined, initial: true, deleted: true });
  const field = h({
    id: 'field/spec.size',
    reason: undefined,
    field: ['spec', 'size'],
    requiresChange: true,
  });
  const del = h({ id: 'delete', reason: 'delete' });
  const all = [create, update, resume, resumeDeleted, field, del];
  const ids = (c: ChangingCause) =>
    handlersForCause(all, c, kwargs(undefined, { spec: { size: 1 } })).map((x) => x.id);

  test('create: create and field handlers, never resume', () => {
    expect(ids(cause('create', false))).toEqual(['create', 'field/spec.size']);
  });
  test('update on the initial listing mixes in resume handlers', () => {
    expect(ids(cause('update', true))).toEqual(['update', 'resume', 'resumeDeleted', 'field/spec.size']);
    expect(ids(cause('update', false))).toEqual(['update', 'field/spec.size']);
  });
  test('resume: only resume handlers', () => {
    expect(ids(cause('resume', true))).toEqual(['resume', 'resumeDeleted']);
  });
  test('delete: delete handlers, and resume handlers marked `deleted`', () => {
    expect(ids(cause('delete', true, true))).toEqual(['resumeDeleted', 'delete']);
  });
  test('the same function under the same id runs once per cause', () => {
    const twice = [h({ id: 'same', reason: 'create' }), h({ id: 'same', reason: undefined, initial: true })];
    expect(handlersForCause(twice, cause('update', true), kwargs(undefined, {}))).toHaveLength(1);
  });
  test('only non-optional delete handlers that match require the finalizer', () => {
    const mandatory = h({ reason: 'delete', requiresFinalizer: true, labels: { app: 'a' } });
    expect(requiresFinalizer([mandatory], kwargs(undefined, {}, { labels: { app: 'a' } }))).toBe(true);
    expect(requiresFinalizer([mandatory], kwargs(undefined, {}, { labels: { app: 'b' } }))).toBe(false);
    expect(requiresFinalizer([h({ reason: 'delete' })], kwargs(undefined, {}))).toBe(false);
  });
});
