/** The generated project's example test: the operator against a real local API server (kopf-ts/testing). */
import { apiVersionOf } from '../../common/resources.ts';
import type { ResourceModel } from '../model/project.ts';

export const EXAMPLE_TEST_PATH = 'test/operator.test.ts';

/**
 * A node:test file that starts kopf-ts's local API server, applies deploy/crds.yaml, runs the operator
 * in-process, creates one object of the first namespaced CRD and waits for its create handler.
 */
export function exampleTest(resources: readonly ResourceModel[]): string {
  const resource = resources.find((r) => r.crd.namespaced) ?? resources[0];
  if (!resource) return '';
  const { crd } = resource;
  const version = resource.preferred.version.name;
  return `/**
 * An end-to-end test of this operator against a real Kubernetes API server (kube-apiserver + etcd,
 * built from source by kopf-ts the first time — 6-20 minutes, then cached; it needs Go >= 1.26).
 * Generated once by kopf-gen; this file is yours now.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { applyYaml, eventually, freshNamespace, run, startLocalCluster, waitForCrd } from 'kopf-ts/testing';
import type { LocalCluster } from 'kopf-ts/testing';

let cluster: LocalCluster;

before(async () => {
  cluster = await startLocalCluster();
  const kc = cluster.kubeConfig();
  await applyYaml(kc, readFileSync(new URL('../deploy/crds.yaml', import.meta.url), 'utf8'));
  await waitForCrd(kc, '${crd.name}');
});
after(async () => {
  await cluster?.stop();
});

test('a new ${crd.kind} is handled by the create handler', { timeout: 20 * 60_000 }, async () => {
  const kc = cluster.kubeConfig();
  const ns = await freshNamespace(kc, 'test');
  const runner = await run({ files: ['src/operator.ts'], namespaces: [ns.name], kubeConfig: kc });
  try {
    await applyYaml(
      kc,
      JSON.stringify({
        apiVersion: '${apiVersionOf({ group: crd.group, version })}',
        kind: '${crd.kind}',
        metadata: { name: 'example' },
        spec: {}, // add the fields your CRD requires
      }),
      { namespace: ns.name },
    );
    await runner.waitForLine("Handler 'create${crd.kind}' succeeded.");
    await eventually(() => runner.lines.some((line) => line.includes('Creation is processed')));
  } finally {
    await runner.stop();
    await ns.delete();
  }
  assert.equal(runner.error, undefined);
  assert.equal(runner.lines.filter((line) => /Handler '.*' failed/.test(line)).length, 0);
});
`;
}
