/** Run-time discovery: CRDs appearing and disappearing while the operator runs; ambiguous names; no CRD permissions. */
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, serviceAccountKubeConfig, waitForCrd } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, installCrd, settle } from './handlers-kit.ts';
import { crdYaml, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario({ exampleCrd: false });
const { client, kc } = scenario;

/** A CRD the test installs after the operator started: fresh names, so tests never share it. */
function lateCrd(stem: string) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const plural = `${stem}${suffix}s`;
  const kind = `${stem[0]!.toUpperCase()}${stem.slice(1)}${suffix}`;
  const crdName = `${plural}.kopf.dev`;
  return {
    plural,
    crdName,
    /** Install the CRD, wait until it is served, and create one object of it in `namespace`. */
    async installWithObject(namespace: string, name: string): Promise<void> {
      await applyYaml(kc, crdYaml({ group: 'kopf.dev', plural, kind, scope: 'Namespaced' }));
      await waitForCrd(kc, crdName);
      const resource = kopf.resource({ group: 'kopf.dev', version: 'v1', plural, kind, namespaced: true });
      await client.create(resource, namespace, { apiVersion: 'kopf.dev/v1', kind, metadata: { name } });
    },
  };
}

test('a CRD created after the operator started is served without a restart; its deletion stops the watch', async () => {
  const late = lateCrd('late');
  const { plural, crdName } = late;
  const ns = await scenario.namespace('op-discovery');
  const registry = new kopf.Registry();
  const created: string[] = [];
  kopf.on.create(crdName, ({ name }) => void created.push(name), { registry, id: 'lateFn' });
  const op = scenario.run({ registry, namespaces: [ns.name] });
  await eventually(() =>
    op.lines().some((l) => l.startsWith(`Unresolved resource ${crdName} cannot be served yet`)),
  );

  await late.installWithObject(ns.name, 'first');
  await eventually(() => created.includes('first'), { what: 'the handler of the new resource' });
  expect(op.lines()).toContain(`Resource ${plural}.v1.kopf.dev appeared: serving it.`);

  await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: crdName });
  await eventually(
    () => op.lines().includes(`Resource ${plural}.v1.kopf.dev is gone: no longer serving it.`),
    {
      what: 'the resource to be dropped',
    },
  );
});

test('with scanning.disabled, a CRD created after the start is not served, and namespace globs match nothing new', async () => {
  await installCrd(kc);
  const late = lateCrd('unscanned');
  const { crdName } = late;
  const ns = await scenario.namespace('op-no-scan');
  const registry = new kopf.Registry();
  const created: string[] = [];
  kopf.on.create(crdName, ({ name }) => void created.push(name), { registry, id: 'unscannedFn' });
  kopf.on.create(EXAMPLES, ({ name }) => void created.push(name), { registry, id: 'exampleFn' });
  const op = scenario.run({
    registry,
    namespaces: [ns.name, `${ns.name}-glob-*`],
    settings: { scanning: { disabled: true } },
  });
  await eventually(() =>
    op.lines().some((l) => l.startsWith(`Unresolved resource ${crdName} cannot be served yet`)),
  );
  expect(op.lines()).toContain(
    `Namespace scanning is disabled: only the literal namespaces of ${ns.name} ${ns.name}-glob-* are served.`,
  );

  await late.installWithObject(ns.name, 'late');
  // The operator still serves what it resolved at the start: an object created after the late one.
  await client.create(EXAMPLES, ns.name, exampleBody('known'));
  await eventually(() => created.includes('known'), {
    what: 'the handler of the resource known at the start',
  });
  await settle(3000);
  expect(created).not.toContain('late');
  expect(op.lines().filter((l) => l.includes('appeared: serving it'))).toEqual([]);
  await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: crdName });
});

test('an ambiguous resource name is not served, with a warning naming the candidates', async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const plural = `dup${suffix}s`;
  for (const group of ['kopf.dev', 'example.com']) {
    await applyYaml(kc, crdYaml({ group, plural, kind: `Dup${suffix}`, scope: 'Namespaced' }));
    await waitForCrd(kc, `${plural}.${group}`);
  }
  const registry = new kopf.Registry();
  kopf.on.create(plural, () => undefined, { registry, id: 'dupFn' });
  const op = scenario.run({ registry, clusterwide: true });
  const line = await eventually(() => op.lines().find((l) => l.startsWith(`Ambiguous resource ${plural}`)));
  expect(line).toContain(`${plural}.v1.kopf.dev`);
  expect(line).toContain(`${plural}.v1.example.com`);
  expect(line).toContain('will not be served');
});

test('without permission to watch CRDs, the operator warns once and serves what it resolved at the start', async () => {
  await installCrd(kc);
  const ns = await scenario.namespace('op-no-crds');
  await applyYaml(
    kc,
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: operator }
rules:
  - apiGroups: [kopf.dev]
    resources: [kopfexamples, kopfexamples/status]
    verbs: [get, list, watch, patch]
  - apiGroups: ['']
    resources: [events]
    verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: operator }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator }
subjects: [{ kind: ServiceAccount, name: operator, namespace: ${ns.name} }]
`,
    { namespace: ns.name },
  );
  const operatorKc = await serviceAccountKubeConfig(kc, ns.name, 'operator');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, () => ({ served: true }), { registry, id: 'createFn' });
  const op = scenario.run({ kubeConfig: operatorKc, registry, namespaces: [ns.name] });
  await client.create(EXAMPLES, ns.name, exampleBody('one'));
  await eventually(async () => {
    const o = await client.get(EXAMPLES, ns.name, 'one');
    return (o.status as { createFn?: unknown } | undefined)?.createFn;
  });
  const warnings = op
    .lines()
    .filter((l) => l.startsWith('Not enough permissions to watch CustomResourceDefinitions'));
  expect(warnings).toHaveLength(1);
});
