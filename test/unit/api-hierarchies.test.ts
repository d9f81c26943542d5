/** Hierarchy helpers: owner references, naming, namespaces, labels; typed for plain objects and models. */
import type { V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { expect, expectTypeOf, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { runInHandlerContext } from '../../runtime/structs/contexts.ts';

const owner = {
  apiVersion: 'kopf.dev/v1',
  kind: 'KopfExample',
  metadata: { name: 'parent', namespace: 'ns1', uid: 'uid-1', labels: { app: 'demo', tier: 'web' } },
};

test('adopt sets a controller owner reference, generateName, namespace and labels', () => {
  const pod: V1Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { tier: 'db' } } };
  const adopted = kopf.adopt(pod, { owner });
  expectTypeOf(adopted).toEqualTypeOf<V1Pod>();
  expect(adopted).toBe(pod);
  expect(pod.metadata).toEqual({
    generateName: 'parent-',
    namespace: 'ns1',
    labels: { app: 'demo', tier: 'db' },
    ownerReferences: [
      {
        apiVersion: 'kopf.dev/v1',
        kind: 'KopfExample',
        name: 'parent',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
});

test('adopt keeps explicit names and namespaces unless forced; strict names exactly', () => {
  const named = { metadata: { name: 'mine', namespace: 'other' } };
  kopf.adopt(named, { owner });
  expect(named.metadata).toMatchObject({ name: 'mine', namespace: 'other' });
  const strict: V1ConfigMap = {};
  kopf.adopt([strict], { owner, strict: true });
  expect(strict.metadata).toMatchObject({ name: 'parent', namespace: 'ns1' });
  const forced = { metadata: { name: 'mine', namespace: 'other', labels: { tier: 'db' } } };
  kopf.adopt(forced, { owner, forced: true });
  expect(forced.metadata).toMatchObject({
    generateName: 'parent-',
    namespace: 'ns1',
    labels: { tier: 'web' },
  });
  expect(forced.metadata).not.toHaveProperty('name');
});

test('owner references are added once per owner and removed by uid', () => {
  const child = { metadata: {} as kopf.Adoptable['metadata'] };
  kopf.appendOwnerReference(child, { owner, controller: false });
  kopf.appendOwnerReference(child, { owner });
  expect(child.metadata?.ownerReferences).toHaveLength(1);
  expect(child.metadata?.ownerReferences?.[0]?.controller).toBe(false);
  kopf.removeOwnerReference(child, { owner });
  expect(child.metadata?.ownerReferences).toEqual([]);
});

test('label adds missing labels (all with forced), also to nested templates', () => {
  const deployment = { metadata: { labels: { app: 'keep' } }, spec: { template: { spec: {} } } };
  kopf.label(deployment, { app: 'new', extra: 'x' }, { nested: 'spec.template' });
  expect(deployment.metadata.labels).toEqual({ app: 'keep', extra: 'x' });
  expect(deployment.spec.template).toEqual({ metadata: { labels: { app: 'new', extra: 'x' } }, spec: {} });
  kopf.label(deployment, { app: 'new' }, { forced: true });
  expect(deployment.metadata.labels.app).toBe('new');
});

test('the owner defaults to the object of the running handler, and is required outside handlers', () => {
  const child = {};
  runInHandlerContext({ body: owner }, () => kopf.adopt(child));
  expect(child).toMatchObject({ metadata: { namespace: 'ns1', ownerReferences: [{ uid: 'uid-1' }] } });
  expect(() => kopf.adopt({})).toThrow(/owner must be given explicitly/);
});

test('object and owner references leave out empty fields', () => {
  const cluster = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u' } };
  expect(kopf.buildObjectReference(cluster)).toEqual({
    apiVersion: 'v1',
    kind: 'Node',
    name: 'n1',
    uid: 'u',
  });
  expect(kopf.buildOwnerReference(cluster, { blockOwnerDeletion: false })).toEqual({
    apiVersion: 'v1',
    kind: 'Node',
    name: 'n1',
    uid: 'u',
    controller: true,
    blockOwnerDeletion: false,
  });
});
