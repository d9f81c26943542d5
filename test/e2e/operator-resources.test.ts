/** Built-in resources, several resources in one operator, and cluster-scoped resources. */
import { CoreV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, waitForCrd } from '../../runtime/testing/index.ts';
import { crdYaml, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario({ exampleCrd: false });
const { client, kc } = scenario;
const core = kc.makeApiClient(CoreV1Api);

test('one operator serves pods (typed built-in descriptor) and configmaps (by name) side by side', async () => {
  const ns = await scenario.namespace('op-builtins');
  const registry = new kopf.Registry();
  const seen: string[] = [];
  kopf.on.create(
    kopf.builtins.pods,
    function podCreated({ spec, name }) {
      // spec is V1PodSpec: containers are typed.
      seen.push(`pod ${name}: ${spec.containers.map((c) => c.image).join(',')}`);
    },
    { registry },
  );
  kopf.on.create(
    'configmaps',
    function configCreated({ body, name }) {
      seen.push(`configmap ${name}: ${JSON.stringify(body.data)}`);
    },
    { registry, labels: { role: 'watched' } },
  );
  scenario.run({ registry, namespaces: [ns.name] });
  await core.createNamespacedPod({
    namespace: ns.name,
    body: { metadata: { name: 'web' }, spec: { containers: [{ name: 'main', image: 'nginx:1' }] } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: { metadata: { name: 'settings', labels: { role: 'watched' } }, data: { a: '1' } },
  });
  await eventually(() => seen.length === 2, { what: 'both handlers' });
  expect(seen.sort()).toEqual(['configmap settings: {"a":"1"}', 'pod web: nginx:1']);
  const pod = await core.readNamespacedPod({ namespace: ns.name, name: 'web' });
  expect(pod.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration']).toBeDefined();
});

test('a cluster-scoped custom resource is served with one cluster-wide stream', async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  await applyYaml(
    kc,
    crdYaml({ group: 'kopf.dev', plural: 'clusterthings', kind: 'ClusterThing', scope: 'Cluster' }),
  );
  await waitForCrd(kc, 'clusterthings.kopf.dev');
  const THINGS = kopf.resource<{ size?: number }, { createFn?: { size?: number } }>({
    group: 'kopf.dev',
    version: 'v1',
    plural: 'clusterthings',
    kind: 'ClusterThing',
    namespaced: false,
  });
  const registry = new kopf.Registry();
  kopf.on.create(
    THINGS,
    function createFn({ spec, namespace }) {
      return { size: spec.size, namespace: namespace ?? 'none' };
    },
    { registry, when: ({ name }) => name.endsWith(suffix) },
  );
  // Namespaced patterns do not limit cluster-scoped resources.
  const ns = await scenario.namespace('op-cluster');
  scenario.run({ registry, namespaces: [ns.name] });
  const name = `thing-${suffix}`;
  await client.create(THINGS, undefined, {
    apiVersion: 'kopf.dev/v1',
    kind: 'ClusterThing',
    metadata: { name },
    spec: { size: 3 },
  });
  try {
    const status = await eventually(
      async () =>
        ((await client.get(THINGS, undefined, name)).status as { createFn?: unknown } | undefined)?.createFn,
    );
    expect(status).toEqual({ size: 3, namespace: 'none' });
  } finally {
    await KubernetesObjectApi.makeApiClient(kc)
      .delete({ apiVersion: 'kopf.dev/v1', kind: 'ClusterThing', metadata: { name } })
      .catch(() => undefined);
  }
});
