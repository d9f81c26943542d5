/**
 * HTTP proxies in front of the bundled API server: a kubeconfig cluster's `proxy-url`, and (with
 * `networking.trustEnv`) `HTTPS_PROXY` with `NO_PROXY`. The proxy (test/setup/connect-proxy.ts)
 * counts its CONNECT tunnels.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { expect, test, vi } from 'vitest';
import { createApiClient } from '../../runtime/client/api.ts';
import * as kopf from '../../runtime/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { startConnectProxy } from '../setup/connect-proxy.ts';
import { EXAMPLES, exampleBody, FAST } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client, cluster, kc } = scenario;
const apiserver = new URL(cluster.url);

/** A proxy stopped after the test; `kubernetes` (a name of the server's certificate) leads to the API server. */
async function proxy() {
  const started = await startConnectProxy((host) => (host === 'kubernetes' ? apiserver.hostname : host));
  scenario.defer(() => started.close());
  return started;
}

/** An API client of the admin's kubeconfig (direct to 127.0.0.1 unless a trusted environment says otherwise). */
function adminClient(trustEnv: boolean) {
  const admin = createApiClient(kc, makeSettings({ ...FAST, networking: { ...FAST.networking, trustEnv } }));
  scenario.defer(() => admin.close());
  return admin;
}

/** Read the first watch event of the namespace's examples, then stop watching. */
async function firstWatchEvent(api: ReturnType<typeof adminClient>, namespace: string) {
  const stop = new AbortController();
  for await (const event of api.watch(EXAMPLES, namespace, {
    resourceVersion: '',
    signal: stop.signal,
    timeoutSeconds: 5,
  })) {
    stop.abort();
    return event;
  }
  return undefined;
}

test('an operator whose kubeconfig cluster has a proxy-url reaches the API server only through that proxy', async () => {
  const through = await proxy();
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    // `kubernetes` resolves nowhere but in the proxy: every request and watch must tunnel.
    clusters: [
      {
        name: 'proxied',
        server: `https://kubernetes:${apiserver.port}`,
        caFile: cluster.ca,
        proxyUrl: through.url,
      },
    ],
    users: [{ name: 'admin', certFile: cluster.clientCert, keyFile: cluster.clientKey }],
    contexts: [{ name: 'proxied', cluster: 'proxied', user: 'admin' }],
    currentContext: 'proxied',
  });
  const ns = await scenario.namespace('proxy-url');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, () => ({ proxied: true }), { registry, id: 'createFn' });
  const op = scenario.run({ kubeConfig: proxied, registry, namespaces: [ns.name] });
  await client.create(EXAMPLES, ns.name, exampleBody('one'));
  await eventually(
    async () =>
      ((await client.get(EXAMPLES, ns.name, 'one')).status as { createFn?: unknown } | undefined)?.createFn,
    {
      what: 'the create handler through the proxy',
    },
  );
  expect(op.lines()).toContain(
    `Connecting to https://kubernetes:${apiserver.port} through the proxy ${new URL(through.url).host}.`,
  );
  // At least one tunnel for the requests and one for the watch; all to the API server.
  expect(through.tunnels.length).toBeGreaterThanOrEqual(2);
  expect(new Set(through.tunnels)).toEqual(new Set([`kubernetes:${apiserver.port}`]));
});

test('with networking.trustEnv, HTTPS_PROXY carries requests and watches through tunnels', async () => {
  const through = await proxy();
  vi.stubEnv('HTTPS_PROXY', through.url);
  scenario.defer(() => vi.unstubAllEnvs());
  const ns = await scenario.namespace('proxy-env');
  const api = adminClient(true);
  await api.create(EXAMPLES, ns.name, exampleBody('one'));
  expect(through.tunnels).toEqual([`${apiserver.hostname}:${apiserver.port}`]);
  expect(await firstWatchEvent(api, ns.name)).toMatchObject({
    type: 'ADDED',
    object: { metadata: { name: 'one' } },
  });
  expect(through.tunnels).toHaveLength(2); // the watch has a connection (a tunnel) of its own
});

test('NO_PROXY matching the server (here by CIDR) bypasses HTTPS_PROXY', async () => {
  const through = await proxy();
  vi.stubEnv('HTTPS_PROXY', through.url);
  vi.stubEnv('NO_PROXY', 'example.com,127.0.0.0/8');
  scenario.defer(() => vi.unstubAllEnvs());
  const ns = await scenario.namespace('proxy-bypass');
  const api = adminClient(true);
  await api.create(EXAMPLES, ns.name, exampleBody('one'));
  expect(await firstWatchEvent(api, ns.name)).toMatchObject({ type: 'ADDED' });
  expect(through.tunnels).toEqual([]);
});

test("without networking.trustEnv (Kopf's default), HTTPS_PROXY is ignored", async () => {
  const through = await proxy();
  vi.stubEnv('HTTPS_PROXY', through.url);
  scenario.defer(() => vi.unstubAllEnvs());
  const ns = await scenario.namespace('proxy-untrusted');
  await adminClient(false).create(EXAMPLES, ns.name, exampleBody('one'));
  expect(through.tunnels).toEqual([]);
});
