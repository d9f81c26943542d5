/**
 * `patch.fns` (Kopf's `Patch.fns`): functions that change the object in place, sent as a JSON-patch
 * after the cycle's merge-patch — for what a merge-patch cannot say, such as appending to a list.
 */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { getExample, statusOf } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a change handler appends to a list and edits the status in place, beside its merge-patch', async () => {
  const ns = await scenario.namespace('h-patch-fns');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function appendItem({ patch }) {
      calls++;
      patch.spec.field = 'merged';
      patch.fns.push((body) => {
        body.spec.items = [...(body.spec.items ?? []), 'appended'];
        body.status = { ...body.status, note: 'in place' };
      });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { items: ['given'] }));
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  const object = await eventually(async () => {
    const o = await getExample(op, ns.name, 'one');
    return statusOf(o)['note'] ? o : undefined;
  });
  expect(object.spec).toEqual({ items: ['given', 'appended'], field: 'merged' });
  expect(statusOf(object)['note']).toBe('in place'); // via the status subresource
  expect(calls).toBe(1);
});

test('a timer appends on every run: each JSON-patch is computed against the latest object', async () => {
  const ns = await scenario.namespace('h-patch-fns-timer');
  const registry = new kopf.Registry();
  kopf.timer(
    EXAMPLES,
    function tick({ patch }) {
      patch.fns.push((body) => {
        body.spec.items = [...(body.spec.items ?? []), 'tick'];
      });
    },
    { interval: 0.2, registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { items: ['given'] }));
  const items = await eventually(async () => {
    const { items } = (await getExample(op, ns.name, 'one')).spec as { items: string[] };
    return items.length >= 4 ? items : undefined;
  });
  expect(items.slice(0, 4)).toEqual(['given', 'tick', 'tick', 'tick']);
});

test("an event handler's JSON-patch postponed by a conflict is applied with the object's next event", async () => {
  const ns = await scenario.namespace('h-patch-fns-event');
  const registry = new kopf.Registry();
  let changedMeanwhile = false;
  kopf.on.event(
    EXAMPLES,
    async function appendOnce({ patch, name, namespace }) {
      if (changedMeanwhile) return;
      changedMeanwhile = true;
      // The object changes after this event's copy: the JSON-patch, guarded by that copy's
      // resourceVersion, conflicts and must wait for the next event (this change's) instead of vanishing.
      await op.client.patch(EXAMPLES, namespace, name!, { metadata: { labels: { changed: 'meanwhile' } } });
      patch.fns.push((body) => {
        body.spec.items = [...(body.spec.items ?? []), 'appended'];
      });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { items: ['given'] }));
  const items = await eventually(async () => {
    const { items } = (await getExample(op, ns.name, 'one')).spec as { items: string[] };
    return items.length > 1 ? items : undefined;
  });
  expect(items).toEqual(['given', 'appended']);
});
