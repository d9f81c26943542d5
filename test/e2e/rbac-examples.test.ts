/**
 * RBAC proven by running under it: kopf-gen derives deploy/rbac.yaml from the CRD and the examples'
 * handler code; the test applies it, gets the ServiceAccount's token with TokenRequest, and runs
 * every example with nothing but that identity (`KUBECONFIG` of the child process) — with the same
 * expectations as with the admin identity (examples-*.test.ts), and not a single "forbidden" line.
 */
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
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
  runExample,
  runScenario,
  serviceAccountKubeconfigFile,
  type GeneratedRbac,
} from './examples-kit.ts';
import { installCrd } from './handlers-kit.ts';

/**
 * Examples whose API calls kopf-gen cannot see yet, with the line that proves the rule is missing.
 * They create pods through client-node (`CoreV1Api.createNamespacedPod`), which the RBAC scan does
 * not recognise (it knows `kopf.on.*`/`kopf.timer`/... registrations and generic `create()` /
 * `patch()` / ... calls with a resource it can resolve). When kopf-gen learns it, these tests fail:
 * move the examples back to the main list.
 */
const KNOWN_GAPS: Record<string, RegExp> = {
  '02-children': /pods is forbidden.*cannot create resource\W+pods/,
  '99-all-at-once': /pods is forbidden.*cannot create resource\W+pods/,
};

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

describe('the examples under the generated RBAC (ServiceAccount token only)', () => {
  it('the generated RBAC is namespaced except for what must be cluster-wide', () => {
    const kinds = rbac.documents.map((d) => d.kind).sort();
    expect(kinds).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
    const clusterRole = rbac.documents.find((d) => d.kind === 'ClusterRole')!;
    expect(clusterRole.rules).toEqual([
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: ['list', 'watch'],
      },
    ]);
  });

  for (const dir of EXAMPLE_DIRS.filter((d) => !(d in KNOWN_GAPS))) {
    it(`${dir} works as with the admin identity`, async () => {
      const expectations = await expectationsOf(dir);
      const run = await runScenario(dir, expectations, { kc, namespace: ns!.name, kubeconfigFile });
      checkExpectations(run, expectations);
    });
  }

  for (const [dir, forbidden] of Object.entries(KNOWN_GAPS)) {
    it(`${dir}: known gap — the generated RBAC lacks what its client-node calls need`, async () => {
      const kopf = runExample(dir, { namespace: ns!.name, kubeconfigFile });
      try {
        await applyYaml(
          kc,
          `{apiVersion: kopf.dev/v1, kind: KopfExample, metadata: {name: gap-${dir}}, spec: {field: value}}`,
          { namespace: ns!.name },
        );
        await kopf.waitForLine(forbidden);
      } finally {
        await kopf.stop();
        await forceDelete(kc, {
          apiVersion: 'kopf.dev/v1',
          kind: 'KopfExample',
          metadata: { name: `gap-${dir}`, namespace: ns!.name },
        });
      }
    });
  }
});
