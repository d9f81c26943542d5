/** `memo`: the operator's memo seeds a per-object memo (a shallow copy) that is kept across events. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client } = scenario;

test('each object gets a copy of the operator memo, kept across its events and apart from other objects', async () => {
  const ns = await scenario.namespace('op-memo');
  const registry = new kopf.Registry();
  const shared = { visits: [] as string[] };
  kopf.on.create(
    EXAMPLES,
    function createFn({ memo, name }) {
      memo.counter = 1;
      memo.owner = name;
      (memo.shared as string[]).push(name);
    },
    { registry },
  );
  kopf.on.update(
    EXAMPLES,
    function updateFn({ memo }) {
      memo.counter = (memo.counter as number) + 1;
      return { counter: memo.counter, owner: memo.owner, region: memo.region };
    },
    { registry },
  );
  scenario.run({ registry, namespaces: [ns.name], memo: { region: 'eu', shared: shared.visits } });
  await client.create(EXAMPLES, ns.name, exampleBody('first', { size: 1 }));
  await client.create(EXAMPLES, ns.name, exampleBody('second', { size: 1 }));
  await eventually(() => shared.visits.length === 2);
  for (const name of ['first', 'second']) {
    // The diff-base is stored once creation is handled: an update now is an update.
    await eventually(async () => {
      const o = await client.get(EXAMPLES, ns.name, name);
      return o.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration'];
    });
  }
  await client.patch(EXAMPLES, ns.name, 'first', { spec: { size: 2 } });
  await client.patch(EXAMPLES, ns.name, 'second', { spec: { size: 2 } });
  for (const name of ['first', 'second']) {
    const status = await eventually(async () => {
      const o = await client.get(EXAMPLES, ns.name, name);
      return (o.status as { updateFn?: unknown } | undefined)?.updateFn;
    });
    expect(status).toEqual({ counter: 2, owner: name, region: 'eu' });
  }
  expect(shared.visits.sort()).toEqual(['first', 'second']);
});
