/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { Clock, ClockSpec } from './src/generated/example.com/v1/clock.ts';

export const spec: ClockSpec = {
  at: '2026-01-01T00:00:00Z',
  count: 3,
  ratio: 0.5,
  enabled: true,
  labels: { a: 'b' },
  slots: { morning: { start: '2026-01-01T08:00:00Z' } },
  matrix: [[1, 2], [3]],
  listOfMaps: [{ a: true }],
  empty: {},
};
export const clock: Clock = {
  apiVersion: 'example.com/v1',
  kind: 'Clock',
  metadata: { name: 'c', namespace: 'n' },
  spec,
};
// @ts-expect-error date-time is a string on the wire, not a Date
export const date: ClockSpec = { at: new Date() };
// @ts-expect-error metadata is ObjectMeta
export const badMeta: Clock = { apiVersion: 'example.com/v1', kind: 'Clock', metadata: { name: 5 } };
// @ts-expect-error map values are typed
export const badLabel: ClockSpec = { labels: { a: 1 } };
// @ts-expect-error map values of objects are closed types
export const badSlot: ClockSpec = { slots: { x: { end: 'y' } } };
// @ts-expect-error nested arrays keep their element type
export const badMatrix: ClockSpec = { matrix: [['1']] };
// @ts-expect-error an object without properties keeps nothing: the API server prunes every field
export const prunedEmpty: ClockSpec = { empty: { a: 1 } };
// @ts-expect-error metadata is required when the schema says so
export const noMeta: Clock = { apiVersion: 'example.com/v1', kind: 'Clock', spec };
