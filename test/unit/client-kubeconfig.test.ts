/**
 * The kubeconfig loader reads what client-node reads (same TLS and auth options), without loading
 * client-node unless a user needs an auth plugin; importing the runtime does not load client-node.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadKubeConfig, type KubeConfigLike } from '../../runtime/client/kubeconfig.ts';

let dir: string;
let savedKubeconfig: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kopf-kubeconfig-'));
  savedKubeconfig = process.env['KUBECONFIG'];
});
afterEach(() => {
  if (savedKubeconfig === undefined) delete process.env['KUBECONFIG'];
  else process.env['KUBECONFIG'] = savedKubeconfig;
});

function kubeconfig(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
}

async function optionsOf(kc: KubeConfigLike): Promise<https.RequestOptions> {
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  return options;
}

const CERT = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

test('a kubeconfig with a CA file (relative to the kubeconfig), client cert and token gives client-node’s options', async () => {
  writeFileSync(path.join(dir, 'ca.crt'), CERT);
  const file = kubeconfig(
    'config',
    `apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster: {server: 'https://10.0.0.1:6443/', certificate-authority: ca.crt, tls-server-name: api.local}
users:
- name: u
  user: {token: secret, client-certificate-data: ${CERT.toString('base64')}, client-key-data: S0VZ, as: alice}
contexts:
- name: dev
  context: {cluster: c, user: u}
`,
  );
  process.env['KUBECONFIG'] = file;
  const ours = loadKubeConfig();
  const theirs = new KubeConfig();
  theirs.loadFromFile(file);

  expect(ours.getCurrentCluster()?.server).toBe('https://10.0.0.1:6443');
  const mine = await optionsOf(ours);
  const reference = await optionsOf(theirs);
  for (const field of ['ca', 'cert', 'key', 'servername', 'rejectUnauthorized'] as const)
    expect(mine[field], field).toEqual(reference[field]);
  expect(mine.headers).toEqual({ Authorization: 'Bearer secret', 'Impersonate-User': 'alice' });
  expect(reference.headers).toMatchObject(mine.headers ?? {});
});

test('several $KUBECONFIG files merge as with kubectl: the first current-context and definition win', async () => {
  const first = kubeconfig(
    'a',
    `current-context: one
clusters: [{name: c, cluster: {server: 'https://first', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {username: admin, password: pw}}]
contexts: [{name: one, context: {cluster: c, user: u}}]
`,
  );
  const second = kubeconfig(
    'b',
    `current-context: two
clusters: [{name: c, cluster: {server: 'https://second'}}]
contexts: [{name: two, context: {cluster: c, user: u}}]
`,
  );
  process.env['KUBECONFIG'] = [first, second].join(path.delimiter);
  const kc = loadKubeConfig();
  expect(kc.getCurrentCluster()?.server).toBe('https://first');
  const options = await optionsOf(kc);
  expect(options.rejectUnauthorized).toBe(false);
  expect(options.auth).toBe('admin:pw');
});

test('a user with an exec plugin is handed to client-node, which runs the plugin', async () => {
  process.env['KUBECONFIG'] = kubeconfig(
    'exec',
    `current-context: x
clusters: [{name: c, cluster: {server: 'https://k8s'}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${process.execPath}
      args: ['-e', 'console.log(JSON.stringify({apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: {token: "from-plugin"}}))']
      interactiveMode: Never
contexts: [{name: x, context: {cluster: c, user: u}}]
`,
  );
  const kc = loadKubeConfig();
  expect(kc).toBeInstanceOf(KubeConfig);
  expect((await optionsOf(kc)).headers).toMatchObject({ Authorization: 'Bearer from-plugin' });
});

test('missing $KUBECONFIG files are skipped as kubectl does; none existing is an error naming them', () => {
  const real = kubeconfig(
    'real',
    `current-context: x
clusters: [{name: c, cluster: {server: 'https://real'}}]
contexts: [{name: x, context: {cluster: c}}]
`,
  );
  const missing = path.join(dir, 'missing');
  process.env['KUBECONFIG'] = [missing, real].join(path.delimiter);
  expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://real');
  process.env['KUBECONFIG'] = missing;
  expect(() => loadKubeConfig()).toThrow(`no file of $KUBECONFIG exists: ${missing}`);
});

test("a cluster's proxy-url is read, as client-node reads it (proxyUrl)", () => {
  process.env['KUBECONFIG'] = kubeconfig(
    'proxied',
    `current-context: x
clusters: [{name: c, cluster: {server: 'https://k8s', proxy-url: 'http://proxy:3128'}}]
contexts: [{name: x, context: {cluster: c}}]
`,
  );
  expect(loadKubeConfig().getCurrentCluster()).toEqual({
    server: 'https://k8s',
    proxyUrl: 'http://proxy:3128',
  });
});

test('a kubeconfig without the current context names what is missing', () => {
  process.env['KUBECONFIG'] = kubeconfig('broken', 'current-context: nowhere\ncontexts: []\n');
  expect(() => loadKubeConfig()).toThrow('the kubeconfig has no context named nowhere');
});

test('importing the runtime does not load @kubernetes/client-node (its generated API costs ~55 MB RSS)', () => {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ resolve(specifier, context, next) { loaded.push(specifier); return next(specifier, context); } });
    await import(${JSON.stringify(path.resolve('runtime/index.ts'))});
    console.log(JSON.stringify(loaded.filter((s) => s.startsWith('@kubernetes/'))));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(JSON.parse(output)).toEqual([]);
});
