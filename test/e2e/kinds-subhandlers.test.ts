/** Sub-handlers: own persisted progress under `parent/child`, retried independently, across restarts. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { getExample, statusOf } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

function record(object: kopf.KubernetesObject, id: string): Record<string, unknown> | undefined {
  const text = object.metadata?.annotations?.[`kopf.zalando.org/${id}`];
  return text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

test('sub-handler progress survives an operator restart: the finished child does not run again', async () => {
  const ns = await scenario.namespace('k-subhandlers');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const calls = { parent: 0, first: 0, second: 0, afterExecute: 0 };
  let secondReady = false;
  kopf.on.create(
    EXAMPLES,
    async function createFn({ name }) {
      calls.parent++;
      kopf.register(
        function first() {
          calls.first++;
          return { name };
        },
        { id: 'first' },
      );
      kopf.subhandler(
        function second() {
          calls.second++;
          if (!secondReady) throw new kopf.TemporaryError('not ready', { delay: 2 });
          return 'ok';
        },
        { id: 'second' },
      );
      await kopf.execute();
      calls.afterExecute++; // only once both children have succeeded
      return { children: 2 };
    },
    { registry },
  );

  let op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one'));
  const delayed = await eventually(
    async () => {
      const o = await getExample(op, namespace, 'one');
      return record(o, 'createFn.second')?.retries === 1 ? o : undefined;
    },
    { what: 'the second child delayed' },
  );
  expect(record(delayed, 'createFn.first')).toMatchObject({ success: true });
  expect(record(delayed, 'createFn')?.subrefs).toEqual(['createFn/first', 'createFn/second']);
  expect(statusOf(delayed)['createFn/first']).toEqual({ name: 'one' });
  expect(calls.afterExecute).toBe(0);
  await op.stop();

  secondReady = true;
  op = scenario.start(registry, namespace);
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  const done = await eventually(async () => {
    const o = await getExample(op, namespace, 'one');
    return statusOf(o).createFn ? o : undefined;
  });
  expect(calls.first).toBe(1);
  expect(calls.second).toBe(2);
  expect(calls.afterExecute).toBe(1);
  expect(statusOf(done)).toMatchObject({
    createFn: { children: 2 },
    'createFn/first': { name: 'one' },
    'createFn/second': 'ok',
  });
  // Purged with the parent: only the diff-base remains.
  const annotations = await eventually(async () => {
    const a = (await getExample(op, namespace, 'one')).metadata?.annotations ?? {};
    return a['kopf.zalando.org/createFn'] === undefined ? a : undefined;
  });
  expect(Object.keys(annotations)).toEqual(['kopf.zalando.org/last-handled-configuration']);
});

test('sub-handler filters: children whose labels, when or field value do not match are skipped', async () => {
  const ns = await scenario.namespace('k-subhandler-filters');
  const registry = new kopf.Registry();
  const ran: string[] = [];
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      kopf.subhandler(() => void ran.push('web'), { id: 'web', labels: { tier: 'web' } });
      kopf.subhandler(() => void ran.push('db'), { id: 'db', labels: { tier: 'db' } });
      kopf.subhandler(() => void ran.push('small'), {
        id: 'small',
        when: ({ spec }) => Number(spec['size']) < 5,
      });
      kopf.subhandler(({ new: size }) => void ran.push(`sized:${String(size)}`), {
        id: 'sized',
        field: 'spec.size',
        value: 10,
      });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { size: 10 }, { labels: { tier: 'web' } }));
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  expect(ran.sort()).toEqual(['sized:10', 'web']);
  // The line comes before the cycle's PATCH: wait for the purge of the parent's progress.
  const annotations = await eventually(async () => {
    const a = (await getExample(op, ns.name, 'one')).metadata?.annotations ?? {};
    return a['kopf.zalando.org/createFn'] === undefined ? a : undefined;
  });
  // No progress was ever stored for the skipped children.
  expect(Object.keys(annotations)).toEqual(['kopf.zalando.org/last-handled-configuration']);
});

test('sub-handlers of a field handler: with their own field, they run only when it changed', async () => {
  const ns = await scenario.namespace('k-subhandler-fields');
  const registry = new kopf.Registry();
  const ran: string[] = [];
  kopf.on.field(
    EXAMPLES,
    'spec',
    function specFn() {
      kopf.subhandler(({ old, new: current }) => void ran.push(`size:${String(old)}->${String(current)}`), {
        id: 'size',
        field: 'size',
      });
      kopf.subhandler(({ old, new: current }) => void ran.push(`field:${String(old)}->${String(current)}`), {
        id: 'field',
        field: 'field',
      });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { size: 1, field: 'x' }));
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  expect(ran.sort()).toEqual(['field:undefined->x', 'size:undefined->1']);
  ran.length = 0;
  await op.client.patch(EXAMPLES, ns.name, 'one', { spec: { size: 2 } });
  await waitForLine(op, 'Updating is processed: 1 succeeded; 0 failed.');
  expect(ran).toEqual(['size:1->2']);
});
