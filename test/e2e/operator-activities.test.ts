/** Activities: startup, cleanup, login and probe handlers, with the liveness endpoint. */
import { KubeConfig } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody } from './handlers-kit.ts';
import { freePort } from '../setup/ports.ts';
import { httpGet, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client, cluster } = scenario;

test('startup runs (with retries) before watching and may change settings and memo; cleanup runs before the operator resolves', async () => {
  const ns = await scenario.namespace('op-startup');
  await client.create(EXAMPLES, ns.name, exampleBody('early', { field: 'x' }));
  const registry = new kopf.Registry();
  const happened: string[] = [];
  kopf.on.startup(
    function prepare({ settings, memo, retry }) {
      happened.push(`startup#${retry}`);
      if (retry === 0) throw new Error('not yet');
      settings.persistence.diffbaseKey = 'custom-diffbase';
      memo.greeting = 'hello from startup';
    },
    { registry, backoff: 0.3 },
  );
  kopf.on.create(
    EXAMPLES,
    function createFn({ memo }) {
      happened.push('create');
      return { greeting: memo.greeting };
    },
    { registry },
  );
  kopf.on.cleanup(
    async function goodbye({ memo }) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      happened.push(`cleanup:${String(memo.greeting)}`);
    },
    { registry },
  );
  const op = scenario.run({ registry, namespaces: [ns.name] });

  const body = await eventually(async () => {
    const o = await client.get(EXAMPLES, ns.name, 'early');
    // The body (diff-base annotation) and the status subresource are two PATCHes: wait for both.
    return o.metadata?.annotations?.['kopf.zalando.org/custom-diffbase'] && o.status ? o : undefined;
  });
  expect(body.status).toMatchObject({ createFn: { greeting: 'hello from startup' } });
  expect(body.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration']).toBeUndefined();
  await op.stop();
  expect(happened).toEqual(['startup#0', 'startup#1', 'create', 'cleanup:hello from startup']);
});

test('a startup handler failing permanently stops the operator with a clear error', async () => {
  const registry = new kopf.Registry();
  let created = 0;
  kopf.on.startup(
    function configure() {
      throw new kopf.PermanentError('the configuration is missing');
    },
    { registry },
  );
  kopf.on.create(EXAMPLES, () => void created++, { registry, id: 'never' });
  const op = scenario.run({ registry, clusterwide: true });
  await expect(op.done).rejects.toThrow(/startup activity failed: 'configure': the configuration is missing/);
  expect(created).toBe(0);
});

test('credentials from a login handler are used instead of the kubeconfig', async () => {
  const ns = await scenario.namespace('op-login');
  const unreachable = new KubeConfig();
  unreachable.loadFromOptions({
    clusters: [{ name: 'nowhere', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'nobody', token: 'invalid' }],
    contexts: [{ name: 'nowhere', cluster: 'nowhere', user: 'nobody' }],
    currentContext: 'nowhere',
  });
  const registry = new kopf.Registry();
  kopf.on.login(
    function fromFiles(): kopf.ConnectionInfo {
      return {
        server: cluster.url,
        caPath: cluster.ca,
        certificatePath: cluster.clientCert,
        privateKeyPath: cluster.clientKey,
      };
    },
    { registry },
  );
  kopf.on.create(EXAMPLES, () => ({ loggedIn: true }), { registry, id: 'createFn' });
  const op = scenario.run({ kubeConfig: unreachable, registry, namespaces: [ns.name] });
  await client.create(EXAMPLES, ns.name, exampleBody('one'));
  await eventually(async () => {
    const o = await client.get(EXAMPLES, ns.name, 'one');
    return (o.status as { createFn?: unknown } | undefined)?.createFn;
  });
  expect(op.lines()).toContain(`Logged in to ${cluster.url} with the login handlers' credentials.`);
});

test('the liveness endpoint serves the probe results as JSON, recomputed at most every 10 seconds', async () => {
  const registry = new kopf.Registry();
  let probed = 0;
  kopf.on.probe(() => ++probed, { registry, id: 'counter' });
  kopf.on.probe(async () => ({ ok: true }), { registry, id: 'health' });
  const port = await freePort();
  scenario.run({ registry, clusterwide: true, liveness: `http://127.0.0.1:${port}/healthz` });

  const first = await eventually(() => httpGet(`http://127.0.0.1:${port}/healthz`).catch(() => undefined));
  expect(first.status).toBe(200);
  expect(JSON.parse(first.text)).toEqual({ counter: 1, health: { ok: true } });
  const second = await httpGet(`http://127.0.0.1:${port}/healthz`);
  expect(JSON.parse(second.text)).toEqual({ counter: 1, health: { ok: true } });
  expect(probed).toBe(1);
  expect((await httpGet(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
});
