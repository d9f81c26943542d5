/** `kopf.adopt`: children made in a handler belong to the handler's object and die with it. */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario({ exampleCrd: false });
const { kc } = scenario;
const core = kc.makeApiClient(CoreV1Api);

test("an adopted child pod is named, labelled and owned after the handler's object, and garbage-collected with it", async () => {
  const ns = await scenario.namespace('op-adopt');
  const registry = new kopf.Registry();
  // A built-in parent: the garbage collector watches it from the start (for a CRD created moments
  // ago, the collector's monitors need up to its ~30 s discovery resync to notice a deletion).
  kopf.on.create(
    kopf.builtins.configmaps,
    async function createFn({ patch }) {
      // No owner given: the handler's object is the owner.
      const pod = kopf.adopt<V1Pod>({
        apiVersion: 'v1',
        kind: 'Pod',
        spec: { containers: [{ name: 'main', image: 'busybox' }] },
      });
      const created = await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
      patch.metadata.annotations['child-pod'] = created.metadata!.name!;
    },
    { registry, labels: { app: 'demo' } },
  );
  scenario.run({ registry, namespaces: [ns.name] });
  const parent = await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: { metadata: { name: 'parent', labels: { app: 'demo' } }, data: { key: 'value' } },
  });

  const podName = await eventually(async () => {
    const o = await core.readNamespacedConfigMap({ namespace: ns.name, name: 'parent' });
    return o.metadata?.annotations?.['child-pod'];
  });
  expect(podName).toMatch(/^parent-[a-z0-9]+$/);
  const pod = await core.readNamespacedPod({ namespace: ns.name, name: podName });
  expect(pod.metadata?.labels).toEqual({ app: 'demo' });
  expect(pod.metadata?.ownerReferences).toEqual([
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'parent',
      uid: parent.metadata?.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);

  await core.deleteNamespacedConfigMap({ namespace: ns.name, name: 'parent' });
  await eventually(
    async () => {
      const pods = await core.listNamespacedPod({ namespace: ns.name });
      return pods.items.length === 0;
    },
    { timeoutMs: 30_000, what: 'the garbage collector to delete the child pod' },
  );
});
