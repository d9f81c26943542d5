/** Taking over objects from Kopf 1.44: its annotations are read as it wrote them. */
import { afterEach, beforeAll, expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import {
  EXAMPLES,
  countLines,
  exampleBody,
  installCrd,
  settle,
  startOperator,
  waitForLine,
  type RunningOperator,
} from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
let op: RunningOperator | undefined;
let ns: TestNamespace | undefined;

beforeAll(() => installCrd(kc));
afterEach(async () => {
  await op?.stop();
  await ns?.delete();
  op = undefined;
  ns = undefined;
});

test('an update left half-done by Kopf continues: done handlers are not re-run, then updates are updates', async () => {
  ns = await freshNamespace(kc, 'h-takeover');
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

  op = startOperator(kc, registry, ns.name);
  await waitForLine(op, 'Updating is processed: 2 succeeded; 0 failed.');
  expect(calls).toEqual(['update_b:{"spec":{"field":"old"}}->{"spec":{"field":"new"}}']);
  const after = await eventually(
    async () => {
      const a = (await op!.client.get(EXAMPLES, ns!.name, 'one')).metadata?.annotations ?? {};
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
  ns = await freshNamespace(kc, 'h-handled');
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

  op = startOperator(kc, registry, ns.name);
  await waitForLine(op, 'Resuming is processed: 1 succeeded; 0 failed.');
  await settle(1000);
  expect(creations).toBe(0);
  expect(resumed).toEqual(['resume']);
  expect(countLines(op, "Handler 'create_fn'")).toBe(0);
});
