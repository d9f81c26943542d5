/**
 * Proves that the test cluster is a real Kubernetes API server: the behaviours operators depend on
 * (CRDs with status, list/watch with bookmarks, status merge-patches, finalizers, Events, Leases,
 * RBAC) work against it exactly as on any cluster. Uses client-node only, not kopf-ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  VersionApi,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  applyYaml,
  eventually,
  freshNamespace,
  serviceAccountKubeConfig,
  waitForCrd,
  type TestNamespace,
} from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';

const SMOKE_CRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: smokes.smoke.kopf.dev
spec:
  group: smoke.kopf.dev
  scope: Namespaced
  names: { plural: smokes, singular: smoke, kind: Smoke }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, properties: { size: { type: integer } } }
            status: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const smoke = { group: 'smoke.kopf.dev', version: 'v1', plural: 'smokes' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type Smoke = {
  metadata: { name: string; resourceVersion: string; finalizers?: string[]; deletionTimestamp?: string };
  spec?: { size?: number };
  status?: Record<string, unknown>;
};

let kc: KubeConfig;
let ns: TestNamespace;
let objects: CustomObjectsApi;

beforeAll(async () => {
  kc = testCluster().kubeConfig();
  await applyYaml(kc, SMOKE_CRD);
  await waitForCrd(kc, 'smokes.smoke.kopf.dev');
  ns = await freshNamespace(kc, 'smoke');
  objects = kc.makeApiClient(CustomObjectsApi);
});
afterAll(async () => {
  await ns?.delete();
});

function createSmoke(name: string, extra: Record<string, unknown> = {}): Promise<Smoke> {
  return objects.createNamespacedCustomObject({
    ...smoke,
    namespace: ns.name,
    body: { apiVersion: 'smoke.kopf.dev/v1', kind: 'Smoke', metadata: { name, ...extra }, spec: { size: 1 } },
  }) as Promise<Smoke>;
}

describe('the local test cluster', () => {
  it('is an upstream kube-apiserver of the pinned version', async () => {
    const version = await kc.makeApiClient(VersionApi).getCode();
    console.log(`kube-apiserver ${version.gitVersion} (${version.goVersion}, ${version.platform})`);
    expect(version.gitVersion).toBe('v1.36.3');
    expect(testCluster().url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates and lists custom objects of an applied CRD', async () => {
    await createSmoke('listed');
    const list = (await objects.listNamespacedCustomObject({ ...smoke, namespace: ns.name })) as {
      items: Smoke[];
    };
    expect(list.items.map((item) => item.metadata.name)).toContain('listed');
  });

  it('watches custom objects and sends bookmarks when asked', async () => {
    const list = (await objects.listNamespacedCustomObject({ ...smoke, namespace: ns.name })) as {
      metadata: { resourceVersion: string };
    };
    const seen: string[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      `/apis/smoke.kopf.dev/v1/namespaces/${ns.name}/smokes`,
      { resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true },
      (type: string, object: Smoke) => seen.push(`${type} ${object.metadata.name ?? ''}`),
      () => undefined,
    );
    try {
      await createSmoke('watched');
      await eventually(() => seen.includes('ADDED watched'), {
        what: 'the ADDED event of the watched object',
      });
      await objects.deleteNamespacedCustomObject({ ...smoke, namespace: ns.name, name: 'watched' });
      await eventually(() => seen.includes('DELETED watched'), { what: 'the DELETED event' });
    } finally {
      controller.abort();
    }
    // Bookmarks are sent at the server's discretion (about once a minute); asking for them must be accepted.
    expect(seen.filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });

  it('merge-patches status through the status subresource only', async () => {
    await createSmoke('status');
    const patched = (await objects.patchNamespacedCustomObjectStatus(
      {
        ...smoke,
        namespace: ns.name,
        name: 'status',
        body: { status: { phase: 'Ready' }, spec: { size: 99 } },
      },
      mergePatch,
    )) as Smoke;
    expect(patched.status).toEqual({ phase: 'Ready' });
    expect(patched.spec).toEqual({ size: 1 }); // the status subresource ignores everything but status
  });

  it('holds deletion until a finalizer is removed', async () => {
    await createSmoke('finalized', { finalizers: ['kopf.zalando.org/KopfFinalizerMarker'] });
    await objects.deleteNamespacedCustomObject({ ...smoke, namespace: ns.name, name: 'finalized' });
    const pending = (await objects.getNamespacedCustomObject({
      ...smoke,
      namespace: ns.name,
      name: 'finalized',
    })) as Smoke;
    expect(pending.metadata.deletionTimestamp).toBeTruthy();
    await objects.patchNamespacedCustomObject(
      { ...smoke, namespace: ns.name, name: 'finalized', body: { metadata: { finalizers: null } } },
      mergePatch,
    );
    await eventually(
      async () => {
        try {
          await objects.getNamespacedCustomObject({ ...smoke, namespace: ns.name, name: 'finalized' });
          return false;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      },
      { what: 'the object to be gone after the finalizer was removed' },
    );
  });

  it('accepts Events about objects', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const now = new Date();
    const event = await core.createNamespacedEvent({
      namespace: ns.name,
      body: {
        metadata: { generateName: 'kopf-event-' },
        involvedObject: {
          apiVersion: 'smoke.kopf.dev/v1',
          kind: 'Smoke',
          name: 'listed',
          namespace: ns.name,
        },
        reason: 'Smoke',
        message: 'the cluster takes events',
        type: 'Normal',
        source: { component: 'kopf' },
        firstTimestamp: now,
        lastTimestamp: now,
      },
    });
    expect(event.metadata?.name).toMatch(/^kopf-event-/);
  });

  it('creates and renews a Lease', async () => {
    // Leases carry MicroTime fields, which need microseconds: client-node's typed API serialises Dates
    // with milliseconds and the server rejects them, so this goes through the untyped object API.
    const leases = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespace: ns.name };
    const microTime = () => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const created = (await objects.createNamespacedCustomObject({
      ...leases,
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'smoke' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: microTime() },
      },
    })) as Smoke;
    const renewed = (await objects.patchNamespacedCustomObject(
      { ...leases, name: 'smoke', body: { spec: { renewTime: microTime() } } },
      mergePatch,
    )) as Smoke;
    expect(Number(renewed.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
  });

  it('enforces RBAC: a ServiceAccount gets 403 outside its Role and succeeds inside it', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'smoke-reader' },
        rules: [{ apiGroups: ['smoke.kopf.dev'], resources: ['smokes'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'smoke-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'smoke-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns.name }],
      },
    });
    const asReader = (await serviceAccountKubeConfig(kc, ns.name, 'reader')).makeApiClient(CustomObjectsApi);
    const allowed = (await asReader.listNamespacedCustomObject({ ...smoke, namespace: ns.name })) as {
      items: unknown[];
    };
    expect(allowed.items.length).toBeGreaterThan(0);
    const forbidden = await asReader
      .deleteNamespacedCustomObject({ ...smoke, namespace: ns.name, name: 'listed' })
      .then(
        () => 'allowed',
        (error: { code?: number }) => error.code,
      );
    expect(forbidden).toBe(403);
  });
});
