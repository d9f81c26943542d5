/** `kopf.adopt`: children made in a handler belong to the handler's object and die with it. */
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
import * as kopf from '../../runtime/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { eventually, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { EXAMPLES, FAST, exampleBody, installCrd } from './handlers-kit.ts';
import { runOperator, type InProcessOperator } from './operator-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const client = createApiClient(kc, makeSettings(FAST));
const core = kc.makeApiClient(CoreV1Api);
let op: InProcessOperator | undefined;
let ns: TestNamespace | undefined;

beforeAll(() => installCrd(kc));
afterEach(async () => {
  await op?.stop();
  await ns?.delete();
});

test('an adopted child pod is named, labelled and owned after the object, and garbage-collected with it', async () => {
  ns = await freshNamespace(kc, 'op-adopt');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    async function createFn() {
      // No owner given: the handler's object is the owner.
      const pod = kopf.adopt<V1Pod>({
        apiVersion: 'v1',
        kind: 'Pod',
        spec: { containers: [{ name: 'main', image: 'busybox' }] },
      });
      const created = await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
      return { pod: created.metadata?.name };
    },
    { registry },
  );
  op = runOperator(kc, { registry, namespaces: [ns.name] });
  const parent = await client.create(
    EXAMPLES,
    ns.name,
    exampleBody('parent', {}, { labels: { app: 'demo' } }),
  );

  const podName = await eventually(async () => {
    const o = await client.get(EXAMPLES, ns!.name, 'parent');
    return (o.status as { createFn?: { pod?: string } } | undefined)?.createFn?.pod;
  });
  expect(podName).toMatch(/^parent-[a-z0-9]+$/);
  const pod = await core.readNamespacedPod({ namespace: ns.name, name: podName });
  expect(pod.metadata?.labels).toEqual({ app: 'demo' });
  expect(pod.metadata?.ownerReferences).toEqual([
    {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      name: 'parent',
      uid: parent.metadata?.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);

  await client.delete(EXAMPLES, ns.name, 'parent');
  await eventually(
    async () => {
      const pods = await core.listNamespacedPod({ namespace: ns!.name });
      return pods.items.length === 0;
    },
    { timeoutMs: 60_000, what: 'the garbage collector to delete the child pod' },
  );
});
