/** Which label selector a resource's stream carries, computed from all its handlers' label filters. */
import { describe, expect, test } from 'vitest';
import { ABSENT, PRESENT } from '../../runtime/structs/filters.ts';
import type { HandlerFilters } from '../../runtime/processing/handlers.ts';
import { labelRequirements, labelSelectorFor } from '../../runtime/processing/selectors.ts';

const anything = () => true;
/** The selector of a resource served by event handlers with these filters. */
const select = (...filters: HandlerFilters[]) => labelSelectorFor({ rawEvents: filters });

describe('the label selector of a watched resource', () => {
  test('a single handler with exact values, PRESENT and ABSENT: all pushed down, sorted by key', () => {
    expect(select({ labels: { tier: 'web', app: 'x', owned: PRESENT, skip: ABSENT } })).toBe(
      'app=x,owned,!skip,tier=web',
    );
  });

  test('no handlers: no selector', () => {
    expect(select()).toBeUndefined();
  });

  test('a handler without a label filter needs every object: no selector', () => {
    expect(select({ labels: { app: 'x' } }, {})).toBeUndefined();
    expect(select({ labels: { app: 'x' } }, { labels: {} })).toBeUndefined();
  });

  test('a handler with a label callback could accept any object: no selector', () => {
    expect(select({ labels: { app: 'x', tier: anything } })).toBeUndefined();
    expect(select({ labels: { app: 'x' } }, { labels: { app: anything } })).toBeUndefined();
  });

  test('handlers sharing a requirement: only the common one is pushed down', () => {
    expect(select({ labels: { app: 'x', tier: 'web' } }, { labels: { app: 'x', owned: PRESENT } })).toBe(
      'app=x',
    );
  });

  test('handlers with different values of the same label: their union cannot be one selector', () => {
    expect(select({ labels: { app: 'x' } }, { labels: { app: 'y' } })).toBeUndefined();
    expect(select({ labels: { app: 'x' } }, { labels: { app: PRESENT } })).toBeUndefined();
  });

  test('handlers with disjoint requirements: no selector', () => {
    expect(select({ labels: { app: 'x' } }, { labels: { tier: 'web' } })).toBeUndefined();
  });

  test('the registration order does not change the selector', () => {
    const a: HandlerFilters = { labels: { app: 'x', tier: 'web' } };
    const b: HandlerFilters = { labels: { tier: 'web', app: 'x', extra: ABSENT } };
    expect(select(a, b)).toBe('app=x,tier=web');
    expect(select(b, a)).toBe('app=x,tier=web');
  });

  test('a value or key the server would reject is not pushed down (the client-side filter still applies)', () => {
    expect(select({ labels: { app: 'x y', tier: 'web' } })).toBe('tier=web');
    expect(select({ labels: { 'bad key': 'x' } })).toBeUndefined();
    expect(select({ labels: { 'example.com/app': 'x' } })).toBe('example.com/app=x');
  });

  test('every kind of watched handler counts: change, event and index handlers must all agree', () => {
    const app = { labels: { app: 'x' } };
    const change = { ...app, requiresFinalizer: false };
    expect(labelSelectorFor({ changing: [change], rawEvents: [app], indexing: [app] })).toBe('app=x');
    expect(labelSelectorFor({ changing: [change], indexing: [{}] })).toBeUndefined();
    expect(labelSelectorFor({ changing: [{ requiresFinalizer: false }], rawEvents: [app] })).toBeUndefined();
  });

  test('handlers that put a finalizer (deletion handlers, daemons, timers): no selector', () => {
    const app = { labels: { app: 'x' } };
    expect(labelSelectorFor({ changing: [{ ...app, requiresFinalizer: true }] })).toBeUndefined();
    expect(labelSelectorFor({ rawEvents: [app], spawning: [app] })).toBeUndefined();
  });

  test('other filters (annotations, fields, when) do not affect the selector', () => {
    expect(select({ labels: { app: 'x' }, annotations: { a: 'b' }, field: ['spec'], when: anything })).toBe(
      'app=x',
    );
  });
});

test('labelRequirements: the matchExpressions of exact values and markers; callbacks are left out', () => {
  expect(labelRequirements({ app: 'x', owned: PRESENT, skip: ABSENT, cb: anything })).toEqual([
    { key: 'app', operator: 'In', values: ['x'] },
    { key: 'owned', operator: 'Exists' },
    { key: 'skip', operator: 'DoesNotExist' },
  ]);
  expect(labelRequirements(undefined)).toEqual([]);
});
