/**
 * Re-login on 401 (Kopf's vault invalidation): when the API server rejects the credentials of the
 * login handlers, they run again; when they give the rejected credentials again, the operator stops
 * with a LoginError instead of looping. The credentials are ServiceAccount tokens, revoked by
 * deleting their ServiceAccount.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/api.ts';
import { isApiError } from '../../runtime/client/errors.ts';
import * as kopf from '../../runtime/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { applyYaml, eventually, serviceAccountKubeConfig } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, FAST } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client, cluster, kc } = scenario;

/** A token of a new ServiceAccount that may do anything in `namespace`; `revoke()` deletes the account. */
async function serviceAccountToken(namespace: string, name: string) {
  await applyYaml(
    kc,
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${name} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: ${name}, namespace: ${namespace} }]
`,
    { namespace },
  );
  const accountKc = await serviceAccountKubeConfig(kc, namespace, name);
  const token = accountKc.getCurrentUser()?.token;
  if (!token) throw new Error(`no token for ${namespace}/${name}`);
  return {
    token,
    /** Delete the ServiceAccount, and wait until the API server rejects its token. */
    async revoke(): Promise<void> {
      await kc.makeApiClient(CoreV1Api).deleteNamespacedServiceAccount({ name, namespace });
      const probe = createApiClient(accountKc, makeSettings(FAST));
      scenario.defer(() => probe.close());
      await eventually(
        () =>
          probe.request('GET', `/api/v1/namespaces/${namespace}/configmaps`).then(
            () => false,
            (error: unknown) => isApiError(error, 401),
          ),
        { what: `the token of ${name} to be rejected` },
      );
    },
  };
}

/** Login handler results: the bundled API server's address and CA with `token`. */
function credentials(token: string): kopf.ConnectionInfo {
  return { server: cluster.url, caPath: cluster.ca, token };
}

/** Wait until the create handler stored its result on the object `name`. */
async function handled(namespace: string, name: string): Promise<void> {
  await eventually(
    async () =>
      ((await client.get(EXAMPLES, namespace, name)).status as { createFn?: unknown } | undefined)?.createFn,
    { what: `the create handler of ${name}` },
  );
}

test('a 401 runs the login handlers again, and the operator goes on with their new credentials', async () => {
  const ns = await scenario.namespace('op-relogin');
  const first = await serviceAccountToken(ns.name, 'first');
  const second = await serviceAccountToken(ns.name, 'second');
  const registry = new kopf.Registry();
  let logins = 0;
  kopf.on.login(() => credentials(logins++ === 0 ? first.token : second.token), { registry, id: 'tokens' });
  kopf.on.create(EXAMPLES, () => ({ done: true }), { registry, id: 'createFn' });
  const op = scenario.run({ registry, namespaces: [ns.name] });
  await client.create(EXAMPLES, ns.name, exampleBody('before'));
  await handled(ns.name, 'before');
  expect(logins).toBe(1);

  await first.revoke();
  await client.create(EXAMPLES, ns.name, exampleBody('after'));
  await handled(ns.name, 'after');
  expect(logins).toBe(2);
  expect(op.lines()).toContain('The credentials were rejected (401): logging in again.');
});

test('login handlers that give the rejected credentials again stop the operator with a LoginError', async () => {
  const ns = await scenario.namespace('op-relogin-same');
  const only = await serviceAccountToken(ns.name, 'only');
  const registry = new kopf.Registry();
  let logins = 0;
  kopf.on.login(() => (logins++, credentials(only.token)), { registry, id: 'sameToken' });
  kopf.on.create(EXAMPLES, () => ({ done: true }), { registry, id: 'createFn' });
  const op = scenario.run({ registry, namespaces: [ns.name] });
  await client.create(EXAMPLES, ns.name, exampleBody('before'));
  await handled(ns.name, 'before');

  await only.revoke();
  await client.create(EXAMPLES, ns.name, exampleBody('after'));
  await expect(op.done).rejects.toThrow(
    `Ran out of valid credentials: the login handlers (kopf.on.login) gave again the credentials for ${cluster.url} that the API server rejected (401 Unauthorized).`,
  );
  expect(logins).toBe(2);
});
