/** After a burst, an idle operator gives the heap back: once per quiet period, only if the heap holds unused memory. */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { collectWhenIdle, giveMemoryBack } from '../../runtime/reactor/idle-memory.ts';
import { addMetric, METRICS } from '../../runtime/structs/metrics.ts';

const labels = { resource: 'things.v1.example.com', namespace: 'ns' };
let slack = 0;
let collections = 0;
let stop: () => void = () => undefined;

beforeEach(() => {
  vi.useFakeTimers();
  slack = 0;
  collections = 0;
  stop = collectWhenIdle({
    quietSeconds: 6,
    slackBytes: 10,
    collect: () => void collections++,
    heapSlack: () => slack,
  });
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

test('collects once when the activity has been quiet for the quiet period and the heap holds unused memory', () => {
  addMetric(METRICS.objectsInFlight, labels, 1);
  slack = 50;
  vi.advanceTimersByTime(3000);
  addMetric(METRICS.objectsInFlight, labels, -1); // still busy 3 s in
  vi.advanceTimersByTime(5000);
  expect(collections).toBe(0);
  vi.advanceTimersByTime(2000);
  expect(collections).toBe(1);
  vi.advanceTimersByTime(60_000);
  expect(collections).toBe(1); // once per quiet period
  addMetric(METRICS.objectsInFlight, labels, 1);
  vi.advanceTimersByTime(8000);
  expect(collections).toBe(2);
});

test('does not collect without activity, nor when the heap holds little unused memory', () => {
  slack = 50;
  vi.advanceTimersByTime(60_000);
  expect(collections).toBe(0);
  slack = 5;
  addMetric(METRICS.objectsInFlight, labels, 1);
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
