/** The namespace observer against a real API server: globs follow namespaces as they come and go. */
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
import { addLogListener, configureLogging } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { observeNamespaces } from '../../runtime/watching/index.ts';
import { eventually, freshNamespace, serviceAccountKubeConfig } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';

configureLogging({ level: 'error' });
const cluster = testCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const settings = makeSettings({ watching: { reconnectBackoff: 0.05 } });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function observe(client: ReturnType<typeof createApiClient>, patterns: string[]) {
  const abort = new AbortController();
  const history: string[][] = [];
  const done = observeNamespaces({
    client,
    patterns,
    settings,
    signal: abort.signal,
    onChange: (s) => history.push([...s].sort()),
  });
  cleanups.push(async () => {
    abort.abort();
    await done;
  });
  return { history, latest: () => history.at(-1) };
}

async function createNamespace(name: string) {
  await core.createNamespace({ body: { metadata: { name } } });
  cleanups.push(() => core.deleteNamespace({ name }).catch(() => undefined));
}

test('a glob pattern with a negation serves matching namespaces as they appear and disappear', async () => {
  const tag = randomBytes(3).toString('hex');
  await createNamespace(`obs-${tag}-a`);
  await createNamespace(`obs-${tag}-skip`);
  const client = createApiClient(kc, settings);
  cleanups.push(() => client.close());
  const observer = observe(client, [`obs-${tag}-*, !*-skip`]);
  await eventually(() => observer.latest()?.join() === `obs-${tag}-a`, { what: 'the initial set' });

  await createNamespace(`obs-${tag}-b`);
  await eventually(() => observer.latest()?.join() === `obs-${tag}-a,obs-${tag}-b`, {
    what: 'the new namespace',
  });

  await core.deleteNamespace({ name: `obs-${tag}-a` });
  await eventually(() => observer.latest()?.join() === `obs-${tag}-b`, {
    what: 'the deleted namespace to go',
    timeoutMs: 30_000,
  });
  expect(observer.history.every((set) => !set.some((name) => name.endsWith('-skip')))).toBe(true);
});

test('without permission to list namespaces, only the literal names are served, with a warning', async () => {
  const ns = await freshNamespace(kc, 'obs-sa');
  cleanups.push(() => ns.delete());
  const weak = createApiClient(await serviceAccountKubeConfig(kc, ns.name, 'observer'), settings);
  cleanups.push(() => weak.close());
  const warnings: string[] = [];
  cleanups.push(addLogListener((r) => r.level === 'warning' && warnings.push(r.message)));
  const observer = observe(weak, ['literal-one', 'glob-*']);
  await eventually(() => observer.latest(), { what: 'the fallback set' });
  expect(observer.latest()).toEqual(['literal-one']);
  expect(warnings.join('\n')).toMatch(/Not enough permissions to list namespaces \(403\)/);
});
