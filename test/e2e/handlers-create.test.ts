/** Creation: the handler runs once, its result lands in status, annotations are exactly Kopf's. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, countLines, exampleBody, settle, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a create handler runs once; its result lands in status; only the diff-base annotation is left', async () => {
  const ns = await scenario.namespace('h-create');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function createFn({ spec, name }) {
      calls++;
      return { message: `hello ${name}`, field: spec.field };
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(
    EXAMPLES,
    ns.name,
    exampleBody('one', { field: 'value' }, { labels: { app: 'demo' } }),
  );

  const object = await eventually(
    async () => {
      const o = await op.client.get(EXAMPLES, ns.name, 'one');
      return (o.status as Record<string, unknown> | undefined)?.createFn ? o : undefined;
    },
    { what: 'status.createFn' },
  );
  expect(object.status).toEqual({ createFn: { message: 'hello one', field: 'value' } });
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  const annotations = await eventually(async () => {
    const o = await op.client.get(EXAMPLES, ns.name, 'one');
    const a = o.metadata?.annotations ?? {};
    return a['kopf.zalando.org/last-handled-configuration'] ? a : undefined;
  });
  expect(annotations).toEqual({
    'kopf.zalando.org/last-handled-configuration':
      '{"spec":{"field":"value"},"metadata":{"labels":{"app":"demo"}}}\n',
  });
  const body = await op.client.get(EXAMPLES, ns.name, 'one');
  expect(body.metadata?.finalizers ?? []).toEqual([]);

  await settle(1000);
  expect(calls).toBe(1);
  expect(countLines(op, "Handler 'createFn' succeeded.")).toBe(1);
});

test('one function registered twice with different ids gets each registration’s param', async () => {
  const ns = await scenario.namespace('h-param');
  const registry = new kopf.Registry();
  const greet = ({ param, name }: { param: unknown; name: string }) => ({
    greeting: `${String(param)} ${name}`,
  });
  kopf.on.create(EXAMPLES, greet, { registry, id: 'hello', param: 'hello' });
  kopf.on.create(EXAMPLES, greet, { registry, id: 'goodbye', param: 'goodbye' });
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));

  const object = await eventually(
    async () => {
      const o = await op.client.get(EXAMPLES, ns.name, 'one');
      const status = (o.status ?? {}) as Record<string, unknown>;
      return status.hello && status.goodbye ? o : undefined;
    },
    { what: 'status.hello and status.goodbye' },
  );
  expect(object.status).toEqual({ hello: { greeting: 'hello one' }, goodbye: { greeting: 'goodbye one' } });
});
