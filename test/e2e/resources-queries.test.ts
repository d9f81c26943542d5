/**
 * Resource queries (Kopf's non-specific selectors) against a real API server's discovery: a category,
 * `kopf.EVERYTHING` in a group, a predicate; and resources that cannot be watched are dropped.
 */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, waitForCrd } from '../../runtime/testing/index.ts';
import { settle } from './handlers-kit.ts';
import { crdYaml, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario({ exampleCrd: false });
const { client, kc } = scenario;

/** Two CRDs of a group of their own (so that no other test's CRDs match): only gadgets are in the category. */
const suffix = Math.random().toString(36).slice(2, 8);
const GROUP = `q${suffix}.kopf.dev`;
const CATEGORY = `toys${suffix}`;
const gadgets = kopf.resource({
  group: GROUP,
  version: 'v1',
  plural: 'gadgets',
  kind: 'Gadget',
  namespaced: true,
});
const gizmos = kopf.resource({
  group: GROUP,
  version: 'v1',
  plural: 'gizmos',
  kind: 'Gizmo',
  namespaced: true,
});

/** Both CRDs installed, and one object of each in a fresh namespace. */
async function gadgetAndGizmo(): Promise<string> {
  await applyYaml(
    kc,
    crdYaml({ group: GROUP, plural: 'gadgets', kind: 'Gadget', scope: 'Namespaced', categories: [CATEGORY] }),
  );
  await applyYaml(kc, crdYaml({ group: GROUP, plural: 'gizmos', kind: 'Gizmo', scope: 'Namespaced' }));
  await waitForCrd(kc, `gadgets.${GROUP}`);
  await waitForCrd(kc, `gizmos.${GROUP}`);
  const ns = await scenario.namespace('queries');
  for (const resource of [gadgets, gizmos]) {
    const body = {
      apiVersion: `${GROUP}/v1`,
      kind: resource.kind,
      metadata: { name: `a-${resource.plural}` },
    };
    await client.create(resource, ns.name, body);
  }
  return ns.name;
}

/** Run an operator with one create handler on `selector`; resolves with the kinds it handled. */
async function handledKinds(selector: kopf.ResourceArg<unknown, unknown>): Promise<string[]> {
  const namespace = await gadgetAndGizmo();
  const registry = new kopf.Registry();
  const handled: string[] = [];
  kopf.on.create(selector, ({ body }) => void handled.push(String(body.kind)), { registry, id: 'queried' });
  scenario.run({ registry, namespaces: [namespace] });
  await eventually(() => handled.length > 0, { what: 'a handled object' });
  await settle(); // time for objects that should not be handled to show up, if they were
  return handled.sort();
}

test('a category selects the resources whose CRDs declare it', async () => {
  expect(await handledKinds({ category: CATEGORY })).toEqual(['Gadget']);
});

test('kopf.EVERYTHING narrowed to a group serves every resource of that group', async () => {
  expect(await handledKinds({ ...kopf.EVERYTHING, group: GROUP })).toEqual(['Gadget', 'Gizmo']);
});

test('a predicate selects the resources it accepts', async () => {
  const where = (resource: kopf.ResourceInfo) => resource.group === GROUP && resource.kind === 'Gizmo';
  expect(await handledKinds({ where })).toEqual(['Gizmo']);
});

test('resources that cannot be listed and watched are dropped with one line naming them', async () => {
  const registry = new kopf.Registry();
  kopf.on.event({ ...kopf.EVERYTHING, group: 'authentication.k8s.io' }, () => undefined, {
    registry,
    id: 'auth',
  });
  const op = scenario.run({ registry, clusterwide: true });
  const line = await eventually(() => op.lines().find((l) => l.startsWith('Non-watchable resources')));
  expect(line).toContain('tokenreviews.v1.authentication.k8s.io');
  expect(op.lines().filter((l) => l.startsWith('Non-watchable resources'))).toHaveLength(1);
  expect(op.lines()).toContain('No resources are served: nothing to do until stopped.');
});
