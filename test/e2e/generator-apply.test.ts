/**
 * kopf-gen's deploy/ output on a real API server: the CRDs, the peering resources and the derived RBAC
 * apply cleanly, and the ServiceAccount can do exactly what the runtime needs — and no more.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthorizationV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { main } from '../../generator/cli.ts';
import {
  applyYamlFile,
  freshNamespace,
  serviceAccountKubeConfig,
  waitForCrd,
  type TestNamespace,
} from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const CRDS = path.join(REPO_ROOT, 'crds');
const CRD_NAMES = ['kopfexamples.kopf.dev', 'widgets.demo.kopf.dev', 'widgetclasses.demo.kopf.dev'];

let kc: KubeConfig;
let tmp: string;
let ns: TestNamespace;

async function generate(name: string, ...flags: string[]): Promise<string> {
  const out = path.join(tmp, name);
  const quiet = { out: () => undefined, err: () => undefined };
  expect(await main([CRDS, '-o', out, ...flags], quiet)).toBe(0);
  return out;
}

async function applyDeploy(project: string): Promise<void> {
  await applyYamlFile(kc, path.join(project, 'deploy', 'crds.yaml'));
  await applyYamlFile(kc, path.join(project, 'deploy', 'peering.yaml'));
  for (const name of [...CRD_NAMES, 'kopfpeerings.kopf.dev', 'clusterkopfpeerings.kopf.dev'])
    await waitForCrd(kc, name);
  await applyYamlFile(kc, path.join(project, 'deploy', 'peering-objects.yaml'));
  await applyYamlFile(kc, path.join(project, 'deploy', 'rbac.yaml'));
}

/** Asks the API server whether the identity of `identity` may do this (SelfSubjectAccessReview). */
async function may(
  identity: KubeConfig,
  verb: string,
  group: string,
  resource: string,
  namespace?: string,
): Promise<boolean> {
  const [plural, subresource] = resource.split('/');
  const review = await identity.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: { spec: { resourceAttributes: { verb, group, resource: plural, subresource, namespace } } },
  });
  return review.status?.allowed === true;
}

beforeAll(async () => {
  kc = testCluster().kubeConfig();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-gen-e2e-'));
  ns = await freshNamespace(kc, 'gen');
});

afterAll(async () => {
  // The cluster-wide project's peering board: a cluster-wide operator of another file that runs
  // without --standalone would otherwise find it and peer there.
  await kc
    ?.makeApiClient(CustomObjectsApi)
    .deleteClusterCustomObject({
      group: 'kopf.dev',
      version: 'v1',
      plural: 'clusterkopfpeerings',
      name: 'default',
    })
    .catch(() => undefined);
  await ns?.delete();
  rmSync(tmp, { recursive: true, force: true });
});

describe('generated deploy/ on a real API server', () => {
  it('cluster-wide: CRDs, peering and RBAC apply, and the ServiceAccount has exactly the runtime rules', async () => {
    const project = await generate(`gen-cluster-${ns.name}`, '--cluster-wide');
    await applyDeploy(project);
    const sa = await serviceAccountKubeConfig(kc, 'default', path.basename(project));

    for (const verb of ['list', 'watch', 'patch']) {
      expect(await may(sa, verb, 'demo.kopf.dev', 'widgets'), verb).toBe(true);
    }
    for (const verb of ['list', 'watch', 'patch']) {
      expect(await may(sa, verb, 'kopf.dev', 'clusterkopfpeerings'), verb).toBe(true);
    }
    expect(await may(sa, 'get', 'kopf.dev', 'clusterkopfpeerings')).toBe(false); // peering lists and watches
    expect(await may(sa, 'patch', 'demo.kopf.dev', 'widgets/status')).toBe(true);
    expect(await may(sa, 'patch', 'kopf.dev', 'kopfexamples/status')).toBe(true);
    expect(await may(sa, 'list', 'apiextensions.k8s.io', 'customresourcedefinitions')).toBe(true);
    expect(await may(sa, 'watch', '', 'namespaces')).toBe(true);
    expect(await may(sa, 'create', '', 'events', ns.name)).toBe(true);
    // Least privilege: nothing the runtime does not use (it never GETs single objects, nor status).
    expect(await may(sa, 'get', 'demo.kopf.dev', 'widgets')).toBe(false);
    expect(await may(sa, 'get', 'demo.kopf.dev', 'widgets/status')).toBe(false);
    expect(await may(sa, 'delete', 'demo.kopf.dev', 'widgets')).toBe(false);
    expect(await may(sa, 'create', 'demo.kopf.dev', 'widgets')).toBe(false);
    expect(await may(sa, 'patch', 'demo.kopf.dev', 'widgetclasses/status')).toBe(false);
    expect(await may(sa, 'get', '', 'secrets', ns.name)).toBe(false);
    expect(await may(sa, 'delete', 'apiextensions.k8s.io', 'customresourcedefinitions')).toBe(false);

    // And it works for real: the operator's identity lists and patches objects and their status.
    const objects = kc.makeApiClient(CustomObjectsApi);
    await objects.createNamespacedCustomObject({
      group: 'demo.kopf.dev',
      version: 'v1',
      namespace: ns.name,
      plural: 'widgets',
      body: {
        apiVersion: 'demo.kopf.dev/v1',
        kind: 'Widget',
        metadata: { name: 'w1' },
        spec: { size: 'small', port: 'http' },
      },
    });
    const asOperator = sa.makeApiClient(CustomObjectsApi);
    const list = (await asOperator.listClusterCustomObject({
      group: 'demo.kopf.dev',
      version: 'v1',
      plural: 'widgets',
    })) as {
      items: unknown[];
    };
    expect(list.items.length).toBeGreaterThan(0);
  });

  it('--namespace: the namespaced rules go into a Role of that namespace', async () => {
    const project = await generate(`gen-ns-${ns.name}`, '--namespace', ns.name);
    await applyDeploy(project);
    const sa = await serviceAccountKubeConfig(kc, ns.name, path.basename(project));

    expect(await may(sa, 'watch', 'demo.kopf.dev', 'widgets', ns.name)).toBe(true);
    expect(await may(sa, 'patch', 'demo.kopf.dev', 'widgets/status', ns.name)).toBe(true);
    expect(await may(sa, 'patch', 'kopf.dev', 'kopfpeerings', ns.name)).toBe(true);
    expect(await may(sa, 'create', '', 'events', ns.name)).toBe(true);
    expect(await may(sa, 'list', 'apiextensions.k8s.io', 'customresourcedefinitions')).toBe(true);
    // Cluster-scoped CRDs are served cluster-wide even by a namespaced operator.
    expect(await may(sa, 'watch', 'demo.kopf.dev', 'widgetclasses')).toBe(true);
    // Nothing outside its namespace.
    expect(await may(sa, 'watch', 'demo.kopf.dev', 'widgets', 'default')).toBe(false);
    expect(await may(sa, 'watch', 'demo.kopf.dev', 'widgets')).toBe(false);
    expect(await may(sa, 'list', '', 'namespaces')).toBe(false);
  });
});
