/**
 * The API server restarts while streams and `kopf run` are running: the watch re-lists (the restarted
 * server's watch cache answers 410 Gone for the old resourceVersion), no event is lost, nothing is
 * handled twice, and nothing exits. Restarting the run's shared API server would break the tests of
 * other files running at the same time, so this file starts a private one.
 */
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { watchObjects, type StreamItem } from '../../runtime/watching/index.ts';
import {
  eventually,
  freshNamespace,
  startLocalCluster,
  type LocalCluster,
} from '../../runtime/testing/index.ts';
import { handlerFile, runs, spawnKopf, STARTUP_MS, workDir, type KopfProcess } from './cli-kit.ts';
import { installCrd } from './handlers-kit.ts';

let cluster: LocalCluster;
let kc: KubeConfig;
let client: ReturnType<typeof createApiClient>;
const examples = {
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
} as const;
let kopf: KopfProcess | undefined;

beforeAll(async () => {
  cluster = await startLocalCluster({ controllers: false, progress: () => undefined });
  kc = cluster.kubeConfig();
  // Patient: requests made while the server is down retry until it is back.
  client = createApiClient(kc, makeSettings({ networking: { errorBackoffs: Array(120).fill(0.5) } }));
  await installCrd(kc);
});
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});
afterEach(() => {
  if (kopf?.child.exitCode === null) kopf.child.kill('SIGKILL');
});

const body = (name: string) => ({
  apiVersion: 'kopf.dev/v1',
  kind: 'KopfExample',
  metadata: { name },
  spec: {},
});

test('an API server restart loses no event, handles nothing twice, and does not stop the operator', async () => {
  const ns = await freshNamespace(kc, 'res-api');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, function createFn({ name }: { name: string }) { record('create ' + name); return { ok: true }; });
    kopf.on.update(examples, function updateFn({ name }: { name: string }) { record('update ' + name); });`,
  );
  kopf = spawnKopf(['run', '--standalone', '-n', ns.name, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  await client.create(examples, ns.name, body('before'));
  await eventually(() => runs(runsFile).includes('create before'), {
    what: 'the first object to be handled',
    timeoutMs: STARTUP_MS,
  });

  const began = Date.now();
  const restarting = cluster.restartApiserver();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await client.create(examples, ns.name, body('during'));
  await restarting;
  const restarted = Date.now();
  await client.create(examples, ns.name, body('after'));
  await client.patch(examples, ns.name, 'before', { spec: { changed: true } });

  const expected = ['create before', 'create during', 'create after', 'update before'];
  await eventually(() => expected.every((line) => runs(runsFile).includes(line)), {
    what: `all of: ${expected.join(', ')}`,
    timeoutMs: 60_000,
  });
  console.error(
    `resilience: apiserver restart took ${restarted - began} ms (until /readyz); all events handled ${Date.now() - restarted} ms later`,
  );
  expect(kopf.lines.join('\n')).toMatch(/Restarting the watch-stream .* \(re-listing\)/);
  expect(kopf.child.exitCode).toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 1000)); // room for duplicates to show up
  expect(runs(runsFile).sort()).toEqual([...expected].sort());
  expect(await kopf.stop()).toBe(0);
});

test('a watch stream keeps delivering across an API server restart and does not end', async () => {
  const ns = await freshNamespace(kc, 'res-watch');
  const abort = new AbortController();
  const items: StreamItem[] = [];
  let ended = false;
  const settings = makeSettings({ watching: { reconnectBackoff: 0.05, reconnectBackoffMax: 0.5 } });
  const running = (async () => {
    for await (const item of watchObjects(client, examples, ns.name, settings, abort.signal))
      items.push(item);
    ended = true;
  })();
  const arrived = (name: string) =>
    items.some((i) => i.type !== 'LISTED' && i.object.metadata?.name === name);
  try {
    await eventually(() => items.some((i) => i.type === 'LISTED'), { what: 'the listing' });
    await client.create(examples, ns.name, body('before'));
    await eventually(() => arrived('before'));

    const restarting = cluster.restartApiserver();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.create(examples, ns.name, body('during')); // retried until the server is back
    const accepted = Date.now();
    await eventually(() => arrived('during'), {
      what: 'the object created during the restart',
      timeoutMs: 30_000,
      intervalMs: 10,
    });
    console.error(
      `resilience: the watch delivered an object ${Date.now() - accepted} ms after the restarted server accepted it`,
    );
    await restarting;
    await client.create(examples, ns.name, body('after'));
    await eventually(() => arrived('after'), { what: 'the object created after the restart' });
    expect(ended).toBe(false);
  } finally {
    abort.abort();
    await running;
  }
});
