/** The user-facing test kit (`kopf-ts/testing`): run an operator inside a test, observe it, stop it. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import * as kopf from '../../runtime/index.ts';
import { eventually, freshNamespace, run, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { EXAMPLES, FAST, exampleBody, installCrd } from './handlers-kit.ts';

let kc: KubeConfig;
let ns: TestNamespace;

beforeAll(async () => {
  kc = testCluster().kubeConfig();
  await installCrd(kc);
  ns = await freshNamespace(kc, 'runner');
});
afterAll(async () => ns?.delete());

it('runs an operator in-process, captures its log lines, and stops it cleanly', async () => {
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function greet({ name }) {
      return { greeted: name };
    },
    { registry },
  );
  const runner = await run({ registry, namespaces: [ns.name], kubeConfig: kc, settings: FAST });
  try {
    const objects = kc.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: 'kopf.dev',
      version: 'v1',
      plural: 'kopfexamples',
      namespace: ns.name,
      body: exampleBody('greeted'),
    });
    await runner.waitForLine("Handler 'greet' succeeded.");
    const status = await eventually(
      async () => {
        const object = (await objects.getNamespacedCustomObject({
          group: 'kopf.dev',
          version: 'v1',
          plural: 'kopfexamples',
          namespace: ns.name,
          name: 'greeted',
        })) as { status?: { greet?: { greeted?: string } } };
        return object.status?.greet;
      },
      { what: 'the result in status' },
    );
    expect(status).toEqual({ greeted: 'greeted' });
  } finally {
    await runner.stop();
  }
  expect(runner.running).toBe(false);
  expect(runner.error).toBeUndefined();
  expect(runner.lines.filter((line) => line.includes("Handler 'greet' succeeded."))).toHaveLength(1);
  expect(runner.lines.some((line) => /Handler '.*' failed/.test(line))).toBe(false);
});

it('shows in its lines why a resource is not served', async () => {
  const registry = new kopf.Registry();
  kopf.on.create('nosuchresources.nowhere.kopf.dev', function never() {}, { registry });
  const runner = await run({ registry, namespaces: [ns.name], kubeConfig: kc, settings: FAST });
  await runner.waitForLine(/Unresolved resource nosuchresources/);
  await runner.stop();
  expect(runner.running).toBe(false);
});
