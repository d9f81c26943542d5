/** Updates: diff/old/new, field handlers only on their field's change, status-only changes run nothing. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { EXAMPLES, countLines, exampleBody, settle, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('an update handler gets the diff, old and new essences; a field handler fires only when its field changes', async () => {
  const ns = await scenario.namespace('h-update');
  const registry = new kopf.Registry();
  const updates: Array<Pick<kopf.ChangeArgs, 'diff' | 'old' | 'new' | 'reason'>> = [];
  const sizeChanges: Array<{ old: unknown; new: unknown; diff: kopf.Diff }> = [];
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.update(
    EXAMPLES,
    function updateFn({ diff, old, new: neu, reason }) {
      updates.push({ diff, old, new: neu, reason });
    },
    { registry },
  );
  kopf.on.field(
    EXAMPLES,
    'spec.size',
    function sizeFn({ old, new: neu, diff }) {
      sizeChanges.push({ old, new: neu, diff });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a', size: 1 }));
  await waitForLine(op, 'Creation is processed');
  expect(sizeChanges).toEqual([{ old: undefined, new: 1, diff: [['add', [], undefined, 1]] }]);

  await op.client.patch(EXAMPLES, ns.name, 'one', { spec: { field: 'b' } });
  await waitForLine(op, 'Updating is processed');
  expect(updates).toEqual([
    {
      reason: 'update',
      diff: [['change', ['spec', 'field'], 'a', 'b']],
      old: { spec: { field: 'a', size: 1 } },
      new: { spec: { field: 'b', size: 1 } },
    },
  ]);
  expect(sizeChanges).toHaveLength(1); // spec.size did not change
  expect(countLines(op, "Handler 'sizeFn/spec.size' succeeded.")).toBe(1);

  await op.client.patch(EXAMPLES, ns.name, 'one', { spec: { size: 2 } });
  await waitForLine(op, 'Updating is processed', 2);
  expect(sizeChanges[1]).toEqual({ old: 1, new: 2, diff: [['change', [], 1, 2]] });
  expect(updates).toHaveLength(2);
});

test('a change of status alone runs no handler', async () => {
  const ns = await scenario.namespace('h-status');
  const registry = new kopf.Registry();
  let updates = 0;
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.update(
    EXAMPLES,
    function updateFn() {
      updates++;
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }));
  await waitForLine(op, 'Creation is processed');
  const before = (await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.annotations;

  await op.client.patch(EXAMPLES, ns.name, 'one', { status: { external: 'x' } }, { subresource: 'status' });
  await waitForLine(op, 'Something has changed, but we are not interested', 2);
  await settle(1000);
  expect(updates).toBe(0);
  expect(countLines(op, "Handler 'updateFn'")).toBe(0);
  expect((await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.annotations).toEqual(before);
});
