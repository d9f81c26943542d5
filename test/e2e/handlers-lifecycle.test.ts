/**
 * Lifecycles: `asap` (Kopf's default: one handler per cycle) and `all-at-once` (every due handler
 * in one cycle). Both run every handler exactly once; all-at-once needs fewer PATCHes. The test
 * prints the measured numbers (PATCH requests and wall time per object).
 */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

const OBJECTS = Number(process.env.KOPF_BENCH_OBJECTS ?? 5);

async function measure(
  lifecycle: 'asap' | 'all-at-once',
): Promise<{ patchesPerObject: number; msPerObject: number }> {
  const ns = await scenario.namespace(`h-life-${lifecycle === 'asap' ? 'asap' : 'all'}`);
  const registry = new kopf.Registry();
  const calls = new Map<string, number>();
  const count = (id: string) => calls.set(id, (calls.get(id) ?? 0) + 1);
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
  calls.clear();
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
  for (let i = 0; i < OBJECTS; i++) {
    for (const id of ['first', 'second', 'third']) expect(calls.get(`obj-${i}/${id}`)).toBe(1);
  }
  const object = await op.client.get(EXAMPLES, ns.name, 'obj-0');
  expect(object.status).toEqual({ first: { n: 1 }, second: { n: 2 }, third: { n: 3 } });
  return { patchesPerObject: op.stats.patches / OBJECTS, msPerObject: elapsed / OBJECTS };
}

test('asap runs one handler per cycle: each handler exactly once, one cycle per handler', async () => {
  const result = await measure('asap');
  console.log(
    `lifecycle asap: ${result.patchesPerObject} PATCHes/object, ${result.msPerObject.toFixed(0)} ms/object`,
  );
  expect(result.patchesPerObject).toBe(6); // 3 cycles × (annotations + status subresource)
});

test('all-at-once runs every due handler in one cycle: each handler exactly once, one PATCH pair', async () => {
  const result = await measure('all-at-once');
  console.log(
    `lifecycle all-at-once: ${result.patchesPerObject} PATCHes/object, ${result.msPerObject.toFixed(0)} ms/object`,
  );
  expect(result.patchesPerObject).toBe(2); // annotations + status subresource
});
