/** describeError(): every throwable becomes a useful line of text, never `[object Object]`. */
import { expect, test } from 'vitest';
import { describeError } from '../../runtime/structs/errors.ts';

test('an Error gives its message, its name when the message is empty, both when asked', () => {
  expect(describeError(new TypeError('bad input'))).toBe('bad input');
  expect(describeError(new RangeError(''))).toBe('RangeError');
  expect(describeError(new TypeError('bad input'), { name: true })).toBe('TypeError: bad input');
});

test('a thrown string or primitive is shown as is', () => {
  expect(describeError('plain words')).toBe('plain words');
  expect(describeError(42)).toBe('42');
  expect(describeError(undefined)).toBe('undefined');
  expect(describeError(null)).toBe('null');
});

test('a thrown plain object or array is shown as JSON', () => {
  expect(describeError({ code: 409, reason: 'Conflict' })).toBe('{"code":409,"reason":"Conflict"}');
  expect(describeError(['a', 1])).toBe('["a",1]');
});

test('a thrown class instance is shown inspected, starting with its class name', () => {
  class Refusal {
    readonly why = 'quota';
  }
  expect(describeError(new Refusal())).toBe("Refusal { why: 'quota' }");
});

test('an object JSON cannot express (a cycle) is still described', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  expect(describeError(cyclic)).toMatch(/name: 'loop'/);
  expect(describeError(cyclic)).not.toContain('[object Object]');
});

test('a thrown function is named', () => {
  expect(describeError(function oops() {})).toBe('[function oops]');
});
