/**
 * Lifecycles: `asap` (Kopf's default: one handler per cycle), `all-at-once` (every due handler in
 * one cycle), `one-by-one`, `randomized`, `shuffled` and a function of one's own. All run every
 * handler exactly once; those that run several handlers per cycle need fewer PATCHes. The tests
 * print the measured numbers (PATCH requests and wall time per object).
 */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, settle, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

const OBJECTS = Number(process.env.KOPF_BENCH_OBJECTS ?? 5);

interface Measured {
  patchesPerObject: number;
  msPerObject: number;
  /** Per object, the handlers in the order they ran. */
  orders: string[][];
}

async function measure(lifecycle: kopf.OperatorSettings['execution']['lifecycle']): Promise<Measured> {
  const label = typeof lifecycle === 'function' ? 'custom' : lifecycle;
  const ns = await scenario.namespace(`h-life-${label}`);
  const registry = new kopf.Registry();
  const calls = new Map<string, number>();
  const orders = new Map<string, string[]>();
  const count = (id: string) => {
    calls.set(id, (calls.get(id) ?? 0) + 1);
    const [name, handler] = id.split('/') as [string, string];
    orders.set(name, [...(orders.get(name) ?? []), handler]);
  };
  kopf.on.create(
    EXAMPLES,
    function first({ name }) {
      count(`${name}/first`);
      return { n: 1 };
    },
    { registry },
  );
  kopf.on.create(
    EXAMPLES,
    function second({ name }) {
      count(`${name}/second`);
      return { n: 2 };
    },
    { registry },
  );
  kopf.on.create(
    EXAMPLES,
    function third({ name }) {
      count(`${name}/third`);
      return { n: 3 };
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name, { execution: { lifecycle } });
  // Warm up (listing, connections) so that only the handling itself is measured.
  await op.client.create(EXAMPLES, ns.name, exampleBody('warmup'));
  await waitForLine(op, 'Creation is processed: 3 succeeded; 0 failed.');
  await eventually(async () => (await op.client.get(EXAMPLES, ns.name, 'warmup')).status);
  // The statistics count a PATCH once its answer is processed: the watch may show its result first.
  await settle(500);
  calls.clear();
  orders.clear();
  op.stats.patches = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: OBJECTS }, (_, i) =>
      op.client.create(EXAMPLES, ns.name, exampleBody(`obj-${i}`, { i })),
    ),
  );
  await waitForLine(op, 'Creation is processed: 3 succeeded; 0 failed.', OBJECTS + 1, 60_000);
  await eventually(
    async () => {
      const { items } = await op.client.list(EXAMPLES, ns.name);
      return (
        items.length === OBJECTS + 1 &&
        items.every(
          (o) =>
            (o.status as { third?: unknown } | undefined)?.third &&
            !o.metadata?.annotations?.['kopf.zalando.org/first'],
        )
      );
    },
    { what: 'all results in status', intervalMs: 20 },
  );
  const elapsed = Date.now() - started;
  await settle(500); // (as above)
  for (let i = 0; i < OBJECTS; i++) {
    for (const id of ['first', 'second', 'third']) expect(calls.get(`obj-${i}/${id}`)).toBe(1);
  }
  const object = await op.client.get(EXAMPLES, ns.name, 'obj-0');
  expect(object.status).toEqual({ first: { n: 1 }, second: { n: 2 }, third: { n: 3 } });
  return {
    patchesPerObject: op.stats.patches / OBJECTS,
    msPerObject: elapsed / OBJECTS,
    orders: Array.from({ length: OBJECTS }, (_, i) => orders.get(`obj-${i}`) ?? []),
  };
}

function report(lifecycle: string, result: Measured): void {
  console.log(
    `lifecycle ${lifecycle}: ${result.patchesPerObject} PATCHes/object, ${result.msPerObject.toFixed(0)} ms/object`,
  );
}

test('asap runs one handler per cycle: each handler exactly once, one cycle per handler', async () => {
  const result = await measure('asap');
  report('asap', result);
  expect(result.patchesPerObject).toBe(6); // 3 cycles × (annotations + status subresource)
});

test('all-at-once runs every due handler in one cycle: each handler exactly once, one PATCH pair', async () => {
  const result = await measure('all-at-once');
  report('all-at-once', result);
  expect(result.patchesPerObject).toBe(2); // annotations + status subresource
});

test('one-by-one runs the first due handler per cycle: registration order, one cycle per handler', async () => {
  const result = await measure('one-by-one');
  report('one-by-one', result);
  expect(result.patchesPerObject).toBe(6);
  for (const order of result.orders) expect(order).toEqual(['first', 'second', 'third']);
});

test('randomized runs one random due handler per cycle: each exactly once, one cycle per handler', async () => {
  const result = await measure('randomized');
  report('randomized', result);
  expect(result.patchesPerObject).toBe(6);
  for (const order of result.orders) expect([...order].sort()).toEqual(['first', 'second', 'third']);
});

test('shuffled runs every due handler in one cycle, in a random order: each exactly once', async () => {
  const result = await measure('shuffled');
  report('shuffled', result);
  expect(result.patchesPerObject).toBe(2);
  for (const order of result.orders) expect([...order].sort()).toEqual(['first', 'second', 'third']);
});

test('a lifecycle function picks and orders the due handlers: here, the last two per cycle, reversed', async () => {
  const lastTwoReversed: kopf.LifecycleFn = (handlers) => [...handlers].reverse().slice(0, 2);
  const result = await measure(lastTwoReversed);
  report('custom', result);
  expect(result.patchesPerObject).toBe(4); // 2 cycles: third + second, then first
  for (const order of result.orders) expect(order).toEqual(['third', 'second', 'first']);
});
