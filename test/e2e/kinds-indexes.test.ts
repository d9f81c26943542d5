/** `kopf.index`: populated before any resource handler runs; updated on changes and deletions. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, startOperator } from './handlers-kit.ts';
import { getExample, statusOf } from './kinds-kit.ts';
import { freePort } from '../setup/ports.ts';
import { runOperator, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { kc } = scenario;

test('an index is complete when handlers first run, and follows changes and deletions', async () => {
  const ns = await scenario.namespace('k-indexes');
  const namespace = ns.name;
  // Objects existing before the operator starts: the readers must see all of them at once.
  const admin = startOperator(kc, new kopf.Registry(), namespace);
  for (const name of ['a1', 'a2', 'a3']) {
    await admin.client.create(EXAMPLES, namespace, exampleBody(name, { field: 'alpha' }));
  }
  await admin.client.create(EXAMPLES, namespace, exampleBody('b1', { field: 'beta' }));
  await admin.client.create(EXAMPLES, namespace, exampleBody('reader1', {}, { labels: { role: 'reader' } }));
  await admin.stop();

  const registry = new kopf.Registry();
  const byField = kopf.index(
    EXAMPLES,
    async function byFieldFn({ name, spec }): Promise<Record<string, string>> {
      await new Promise((resolve) => setTimeout(resolve, 200)); // slow indexing: the gate must wait
      return spec.field ? { [spec.field]: name } : {};
    },
    { registry, labels: { role: kopf.ABSENT } },
  );
  kopf.on.create(
    EXAMPLES,
    function readFn() {
      return { alpha: byField.get('alpha').sort(), beta: byField.get('beta').sort() };
    },
    { registry, labels: { role: 'reader' } },
  );
  const op = scenario.start(registry, namespace);

  const first = await eventually(async () => {
    const o = await getExample(op, namespace, 'reader1');
    return statusOf(o).readFn ? o : undefined;
  });
  expect(statusOf(first).readFn).toEqual({ alpha: ['a1', 'a2', 'a3'], beta: ['b1'] });

  // Changes move the object's entry; deletions remove it; filter mismatches remove it.
  await op.client.patch(EXAMPLES, namespace, 'a1', { spec: { field: 'beta' } }, { type: 'merge' });
  await op.client.delete(EXAMPLES, namespace, 'a2');
  await op.client.patch(
    EXAMPLES,
    namespace,
    'b1',
    { metadata: { labels: { role: 'other' } } },
    { type: 'merge' },
  );
  await eventually(
    () => (byField.get('alpha').join() === 'a3' && byField.get('beta').join() === 'a1') || undefined,
    { what: 'the index updated' },
  );
  expect(byField.keys().sort()).toEqual(['alpha', 'beta']);
  await op.client.create(EXAMPLES, namespace, exampleBody('reader2', {}, { labels: { role: 'reader' } }));
  const second = await eventually(async () => {
    const o = await getExample(op, namespace, 'reader2');
    return statusOf(o).readFn ? o : undefined;
  });
  expect(statusOf(second).readFn).toEqual({ alpha: ['a3'], beta: ['a1'] });
});

test('an index is readable from a probe (the liveness endpoint)', async () => {
  const ns = await scenario.namespace('k-index-probe');
  const namespace = ns.name;
  const admin = startOperator(kc, new kopf.Registry(), namespace); // only for its client
  await admin.client.create(EXAMPLES, namespace, exampleBody('p1', { field: 'gamma' }));
  await admin.client.create(EXAMPLES, namespace, exampleBody('p2', { field: 'gamma' }));
  await admin.stop();

  const registry = new kopf.Registry();
  const byField = kopf.index(
    EXAMPLES,
    function probedIndexFn({ name, spec }): Record<string, string> {
      return spec.field ? { [spec.field]: name } : {};
    },
    { registry },
  );
  let handled = false;
  kopf.on.event(EXAMPLES, () => void (handled = true), { registry, id: 'spyFn' });
  kopf.on.probe(() => Object.fromEntries([...byField].map(([key, names]) => [key, names.sort()])), {
    registry,
    id: 'fields',
  });
  const port = await freePort();
  const running = runOperator(kc, {
    registry,
    namespaces: [namespace],
    liveness: `http://127.0.0.1:${port}/healthz`,
  });
  try {
    await eventually(() => handled || undefined, { what: 'the gate open (an event handler ran)' });
    const answer = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return response?.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
    });
    expect(answer).toEqual({ fields: { gamma: ['p1', 'p2'] } });
  } finally {
    await running.stop();
  }
});
