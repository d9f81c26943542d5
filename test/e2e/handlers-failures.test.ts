/** Trouble outside the handlers: missing permissions, pruned results, stopping while a handler runs. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, serviceAccountKubeConfig, waitForCrd } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { kc } = scenario;

test('a PATCH the operator may not do is throttled with a log line naming the object and the cause', async () => {
  const ns = await scenario.namespace('h-forbidden');
  await applyYaml(
    kc,
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: read-only }
rules:
  - apiGroups: [kopf.dev]
    resources: [kopfexamples]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: read-only }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-only }
subjects: [{ kind: ServiceAccount, name: operator, namespace: ${ns.name} }]
`,
    { namespace: ns.name },
  );
  const operatorKc = await serviceAccountKubeConfig(kc, ns.name, 'operator');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      calls++;
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name, { networking: { errorBackoffs: [0.1] } }, operatorKc);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  const [line] = await waitForLine(op, /Throttling for 0\.5 seconds due to an unexpected error: .*403/);
  expect(line).toMatch(/PATCH .*kopfexamples\/one/);
  expect(op.records.find((r) => r.message === line)?.object).toEqual({ namespace: ns.name, name: 'one' });
  // Retried after the throttling delay (the handler runs again: its success was never persisted).
  await waitForLine(op, 'Throttling is over. Switching back to normal operations.');
  await eventually(() => calls >= 2, { what: 'a retry after throttling' });
});

test('on stop, a running handler finishes and its outcome is persisted', async () => {
  const ns = await scenario.namespace('h-shutdown');
  const registry = new kopf.Registry();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let sawStop = false;
  kopf.on.create(
    EXAMPLES,
    async function slowFn({ signal }) {
      signal.addEventListener('abort', () => {
        sawStop = true;
        setTimeout(release, 300);
      });
      await released;
      return 'finished';
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'slowFn' is invoked.");
  await op.stop();
  const object = await op.client.get(EXAMPLES, ns.name, 'one').catch(async () => {
    // the kit's client is closed by stop(); use a fresh one
    const { createApiClient } = await import('../../runtime/client/index.ts');
    return createApiClient(kc, kopf.makeSettings()).get(EXAMPLES, ns.name, 'one');
  });
  expect(sawStop).toBe(true);
  expect(object.status).toEqual({ slowFn: 'finished' });
  expect(object.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration']).toBeDefined();
});

test('a result the schema prunes from status is warned about', async () => {
  await applyYaml(
    kc,
    `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: strictexamples.kopf-ts.dev }
spec:
  group: kopf-ts.dev
  scope: Namespaced
  names: { kind: StrictExample, plural: strictexamples, singular: strictexample }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
            status: { type: object, properties: { known: { type: string } } }
`,
  );
  await waitForCrd(kc, 'strictexamples.kopf-ts.dev');
  const ns = await scenario.namespace('h-pruned');
  const registry = new kopf.Registry();
  kopf.on.create(
    'strictexamples.kopf-ts.dev',
    function createFn() {
      return { lost: true };
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  const strict = {
    group: 'kopf-ts.dev',
    version: 'v1',
    plural: 'strictexamples',
    kind: 'StrictExample',
    namespaced: true,
  };
  await op.client.create(strict, ns.name, {
    apiVersion: 'kopf-ts.dev/v1',
    kind: 'StrictExample',
    metadata: { name: 'one' },
    spec: {},
  });
  const [line] = await waitForLine(op, 'Merge-patching finished with inconsistencies');
  expect(line).toContain('status.createFn');
});
