/** Built-in descriptors carry client-node's types into handlers; activities are typed too. */
import type { V1DeploymentSpec, V1PodSpec, V1PodStatus } from '@kubernetes/client-node';
import { expect, expectTypeOf, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';

test('handlers of built-in descriptors get typed spec and status', () => {
  const registry = new kopf.Registry();
  kopf.on.create(
    kopf.builtins.pods,
    function podFn({ spec, status }) {
      expectTypeOf(spec).toEqualTypeOf<V1PodSpec>();
      expectTypeOf(status).toEqualTypeOf<Partial<V1PodStatus>>();
    },
    { registry },
  );
  kopf.on.update(
    kopf.builtins.deployments,
    function deploymentFn({ spec }) {
      expectTypeOf(spec).toEqualTypeOf<V1DeploymentSpec>();
    },
    { registry },
  );
  expect(registry.changing.map((h) => h.selector)).toEqual([kopf.builtins.pods, kopf.builtins.deployments]);
  expect(kopf.builtins.deployments).toMatchObject({ group: 'apps', version: 'v1', namespaced: true });
  expect(kopf.builtins.namespaces.namespaced).toBe(false);
});

test('activity handlers get the settings, the operator memo and the attempt', () => {
  const registry = new kopf.Registry();
  kopf.on.startup(
    function startupFn({ settings, memo, retry, activity }) {
      expectTypeOf(settings).toEqualTypeOf<kopf.OperatorSettings>();
      expectTypeOf(memo).toEqualTypeOf<Record<string, unknown>>();
      expectTypeOf(retry).toBeNumber();
      expectTypeOf(activity).toEqualTypeOf<kopf.Activity>();
    },
    { registry },
  );
  // A login handler must return credentials (or nothing).
  // @ts-expect-error: a string is no ConnectionInfo
  kopf.on.login(() => 'token', { registry, id: 'badLogin' });
  expect(registry.activities.map((h) => `${h.activity}:${h.id}`)).toEqual([
    'startup:startupFn',
    'login:badLogin',
  ]);
});
