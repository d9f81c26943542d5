/** Taking over objects from Kopf 1.44: its annotations are read as it wrote them. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, countLines, exampleBody, settle, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { kc } = scenario;

test('an update left half-done by Kopf continues: done handlers are not re-run, then updates are updates', async () => {
  const ns = await scenario.namespace('h-takeover');
  const registry = new kopf.Registry();
  const calls: string[] = [];
  kopf.on.create(
    EXAMPLES,
    function create_fn() {
      calls.push('create_fn');
    },
    { registry },
  );
  kopf.on.update(
    EXAMPLES,
    function update_a({ old, new: neu }) {
      calls.push(`update_a:${JSON.stringify(old)}->${JSON.stringify(neu)}`);
    },
    { registry },
  );
  kopf.on.update(
    EXAMPLES,
    function update_b({ old, new: neu }) {
      calls.push(`update_b:${JSON.stringify(old)}->${JSON.stringify(neu)}`);
    },
    { registry },
  );

  // Exactly what Kopf 1.44 leaves after update_a succeeded and before update_b ran (operator killed).
  const annotations = {
    'kopf.zalando.org/last-handled-configuration': '{"spec":{"field":"old"}}\n',
    'kopf.zalando.org/update_a':
      '{"started":"2026-03-14T10:00:00.123456+00:00","stopped":"2026-03-14T10:00:00.234567+00:00","purpose":"update","retries":1,"success":true,"failure":false}',
    'kopf.zalando.org/update_b':
      '{"started":"2026-03-14T10:00:00.123456+00:00","purpose":"update","retries":0,"success":false,"failure":false}',
  };
  const client = (await import('../../runtime/client/index.ts')).createApiClient(kc, kopf.makeSettings());
  await client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'new' }, { annotations }));
  client.close();

  const op = scenario.start(registry, ns.name);
  await waitForLine(op, 'Updating is processed: 2 succeeded; 0 failed.');
  expect(calls).toEqual(['update_b:{"spec":{"field":"old"}}->{"spec":{"field":"new"}}']);
  const after = await eventually(
    async () => {
      const a = (await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.annotations ?? {};
      return a['kopf.zalando.org/update_a'] === undefined ? a : undefined;
    },
    { what: 'progress annotations to be purged' },
  );
  expect(after).toEqual({ 'kopf.zalando.org/last-handled-configuration': '{"spec":{"field":"new"}}\n' });

  await op.client.patch(EXAMPLES, ns.name, 'one', { spec: { field: 'newer' } });
  await waitForLine(op, 'Updating is processed: 2 succeeded; 0 failed.', 2);
  expect(calls.slice(1)).toEqual([
    'update_a:{"spec":{"field":"new"}}->{"spec":{"field":"newer"}}',
    'update_b:{"spec":{"field":"new"}}->{"spec":{"field":"newer"}}',
  ]);
  expect(calls).not.toContain('create_fn');
});

test('an object fully handled by Kopf is not created again', async () => {
  const ns = await scenario.namespace('h-handled');
  const registry = new kopf.Registry();
  let creations = 0;
  const resumed: string[] = [];
  kopf.on.create(
    EXAMPLES,
    function create_fn() {
      creations++;
    },
    { registry },
  );
  kopf.on.resume(
    EXAMPLES,
    function resume_fn({ reason }) {
      resumed.push(reason);
    },
    { registry },
  );
  const client = (await import('../../runtime/client/index.ts')).createApiClient(kc, kopf.makeSettings());
  await client.create(
    EXAMPLES,
    ns.name,
    exampleBody(
      'one',
      { field: 'x' },
      {
        labels: { app: 'demo' },
        annotations: {
          'kopf.zalando.org/last-handled-configuration':
            '{"spec":{"field":"x"},"metadata":{"labels":{"app":"demo"}}}\n',
        },
      },
    ),
  );
  client.close();

  const op = scenario.start(registry, ns.name);
  await waitForLine(op, 'Resuming is processed: 1 succeeded; 0 failed.');
  await settle(1000);
  expect(creations).toBe(0);
  expect(resumed).toEqual(['resume']);
  expect(countLines(op, "Handler 'create_fn'")).toBe(0);
});
