/**
 * RBAC proven by running under it: kopf-gen derives deploy/rbac.yaml from the CRD and the examples'
 * handler code; the test applies it, gets the ServiceAccount's token with TokenRequest, and runs
 * every example with nothing but that identity (`KUBECONFIG` of the child process) — with the same
 * expectations as with the admin identity (examples-*.test.ts), and not a single "forbidden" line.
 */
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyYaml, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import {
  EXAMPLE_DIRS,
  assertBuilt,
  checkExpectations,
  expectationsOf,
  forceDelete,
  generateExamplesRbac,
  runScenario,
  serviceAccountKubeconfigFile,
  type GeneratedRbac,
} from './examples-kit.ts';
import { installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
let ns: TestNamespace | undefined;
let rbac: GeneratedRbac;
let kubeconfigFile: string;

beforeAll(async () => {
  assertBuilt();
  await installCrd(kc);
  ns = await freshNamespace(kc, 'rbac-ex');
  rbac = generateExamplesRbac(ns.name);
  await applyYaml(kc, rbac.yaml);
  kubeconfigFile = await serviceAccountKubeconfigFile(kc, ns.name, rbac.name);
});

afterAll(async () => {
  const api = kc.makeApiClient(RbacAuthorizationV1Api);
  if (rbac) {
    await api.deleteClusterRoleBinding({ name: rbac.name }).catch(() => undefined);
    await api.deleteClusterRole({ name: rbac.name }).catch(() => undefined);
  }
  await ns?.delete();
});

/**
 * The examples share one namespace: child pods (02-children, 99-all-at-once) would outlive their
 * parents (the test cluster has no garbage collector) and show up in the next examples' pod handlers.
 */
async function deletePods(): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = ns!.name;
  const names = async () => (await core.listNamespacedPod({ namespace })).items.map((p) => p.metadata!.name!);
  for (const name of await names()) {
    await forceDelete(kc, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } });
  }
  for (let attempt = 0; attempt < 100 && (await names()).length > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the examples under the generated RBAC (ServiceAccount token only)', () => {
  it('the generated RBAC is namespaced except for what must be cluster-wide', () => {
    const kinds = rbac.documents.map((d) => d.kind).sort();
    expect(kinds).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
    const clusterRole = rbac.documents.find((d) => d.kind === 'ClusterRole')!;
    expect(clusterRole.rules).toEqual([
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'],
        verbs: ['create', 'patch'],
      },
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: ['list', 'watch'],
      },
    ]);
  });

  it('kopf-gen reads all of the examples without a warning; client-node calls become rules', () => {
    expect(rbac.output).not.toMatch(/warning:/i);
    const role = rbac.documents.find((d) => d.kind === 'Role')!;
    // createNamespacedPod (02-children, 99-all-at-once), deleteNamespacedPod (10-builtins), and the
    // handlers on pods (10, 13, 16, 99): no `get` anywhere (peering lists, watches and patches too).
    expect(role.rules).toContainEqual({
      apiGroups: [''],
      resources: ['pods'],
      verbs: ['create', 'delete', 'list', 'patch', 'watch'],
    });
    const gets = role.rules!.filter((r) => r.verbs.includes('get')).flatMap((r) => r.resources);
    expect(gets).toEqual([]);
  });

  for (const dir of EXAMPLE_DIRS) {
    it(`${dir} works as with the admin identity`, async () => {
      const expectations = await expectationsOf(dir);
      try {
        const run = await runScenario(dir, expectations, { kc, namespace: ns!.name, kubeconfigFile });
        checkExpectations(run, expectations);
      } finally {
        await deletePods();
      }
    });
  }
});
