/** After a burst, an idle operator gives the heap back: one major GC per quiet period, only if it grew. */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { collectWhenIdle, giveMemoryBack } from '../../runtime/reactor/idle-memory.ts';
import { addMetric, METRICS } from '../../runtime/structs/metrics.ts';

const labels = { resource: 'things.v1.example.com', namespace: 'ns' };
let heap = 100;
let collections = 0;
let stop: () => void = () => undefined;

beforeEach(() => {
  vi.useFakeTimers();
  heap = 100;
  collections = 0;
  stop = collectWhenIdle({
    quietSeconds: 6,
    growthBytes: 10,
    collect: () => void collections++,
    heapBytes: () => heap,
  });
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

test('collects once when the activity has been quiet for the quiet period and the heap grew', () => {
  addMetric(METRICS.objectsInFlight, labels, 1);
  heap = 150;
  vi.advanceTimersByTime(3000);
  addMetric(METRICS.objectsInFlight, labels, -1); // still busy 3 s in
  vi.advanceTimersByTime(5000);
  expect(collections).toBe(0);
  vi.advanceTimersByTime(2000);
  expect(collections).toBe(1);
  vi.advanceTimersByTime(60_000);
  expect(collections).toBe(1); // once per quiet period
  addMetric(METRICS.objectsInFlight, labels, 1);
  heap = 200;
  vi.advanceTimersByTime(8000);
  expect(collections).toBe(2);
});

test('does not collect without activity, nor after activity that did not grow the heap', () => {
  vi.advanceTimersByTime(60_000);
  expect(collections).toBe(0);
  addMetric(METRICS.objectsInFlight, labels, 1);
  heap = 105;
  vi.advanceTimersByTime(60_000);
  expect(collections).toBe(0);
});

test('the default collection is a real GC, without exposing gc() to user code', () => {
  vi.useRealTimers();
  const hadGc = typeof Reflect.get(globalThis, 'gc') === 'function';
  let collected = false;
  const registry = new FinalizationRegistry(() => void (collected = true));
  (() => registry.register({ garbage: 'x'.repeat(100) }, 'held'))();
  giveMemoryBack();
  expect(typeof Reflect.get(globalThis, 'gc') === 'function').toBe(hadGc);
  return vi.waitFor(() => expect(collected).toBe(true), { timeout: 2000 });
});
