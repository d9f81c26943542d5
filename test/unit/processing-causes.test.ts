/** Cause detection in Kopf's order: gone, free, delete, create, resume, noop, update. */
import { describe, expect, test } from 'vitest';
import { detectChangingCause, type DetectInput } from '../../runtime/processing/causes.ts';

const FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';
const input = (overrides: Partial<DetectInput> & { meta?: Record<string, unknown> } = {}): DetectInput => {
  const body = { metadata: { name: 'x', ...overrides.meta }, spec: { a: 1 } };
  return {
    event: { type: 'MODIFIED', object: body },
    body,
    old: { spec: { a: 1 } },
    new: { spec: { a: 1 } },
    initial: false,
    finalizer: FINALIZER,
    ...overrides,
  };
};

describe('detectChangingCause', () => {
  test('DELETED events are gone', () => {
    expect(detectChangingCause(input({ event: { type: 'DELETED', object: {} } })).kind).toBe('gone');
  });
  test('deletion without our finalizer is free', () => {
    expect(detectChangingCause(input({ meta: { deletionTimestamp: 'now' } })).kind).toBe('free');
  });
  test('deletion with our finalizer is delete', () => {
    expect(
      detectChangingCause(input({ meta: { deletionTimestamp: 'now', finalizers: [FINALIZER] } })).kind,
    ).toBe('delete');
  });
  test('no diff-base is create, never initial', () => {
    const cause = detectChangingCause(input({ old: undefined, initial: true }));
    expect(cause).toMatchObject({
      kind: 'create',
      initial: false,
      diff: [['add', [], undefined, { spec: { a: 1 } }]],
    });
  });
  test('no diff on the initial listing is resume; otherwise noop', () => {
    expect(detectChangingCause(input({ initial: true })).kind).toBe('resume');
    expect(detectChangingCause(input()).kind).toBe('noop');
  });
  test('a diff is update, with the diff', () => {
    const cause = detectChangingCause(input({ new: { spec: { a: 2 } } }));
    expect(cause).toMatchObject({ kind: 'update', diff: [['change', ['spec', 'a'], 1, 2]] });
  });
});
