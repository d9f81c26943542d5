/** Which namespaces an embedded operator serves: globs with negations, and cluster-wide. */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import * as kopf from '../../runtime/index.ts';
import { createApiClient } from '../../runtime/client/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { EXAMPLES, FAST, exampleBody, installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const client = createApiClient(kc, kopf.makeSettings(FAST));
const created: string[] = [];
let stop: (() => Promise<void>) | undefined;

beforeAll(() => installCrd(kc));
afterAll(() => client.close());
afterEach(async () => {
  await stop?.();
  stop = undefined;
  await Promise.all(created.splice(0).map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
});

async function namespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  created.push(name);
  return name;
}

function run(
  options: Pick<kopf.OperatorOptions, 'namespaces' | 'clusterwide'>,
  seen: string[],
  label: string,
) {
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function record({ namespace, name }) {
      seen.push(`${namespace}/${name}`);
    },
    { registry, labels: { run: label } },
  );
  const controller = new AbortController();
  const running = kopf.operator({
    ...options,
    registry,
    settings: FAST,
    signal: controller.signal,
    kubeConfig: kc,
  });
  stop = async () => {
    controller.abort();
    await running;
  };
}

test('glob patterns with negations serve the matching namespaces, including ones created later', async () => {
  const tag = randomBytes(3).toString('hex');
  const served = await namespace(`h-glob-${tag}-a`);
  const skipped = await namespace(`h-glob-${tag}-skip`);
  const seen: string[] = [];
  run({ namespaces: [`h-glob-${tag}-*, !*-skip`] }, seen, tag);
  for (const ns of [served, skipped])
    await client.create(EXAMPLES, ns, exampleBody('one', {}, { labels: { run: tag } }));
  await eventually(() => seen.includes(`${served}/one`), { what: 'the object in the served namespace' });

  const later = await namespace(`h-glob-${tag}-later`);
  await client.create(EXAMPLES, later, exampleBody('two', {}, { labels: { run: tag } }));
  await eventually(() => seen.includes(`${later}/two`), { what: 'the object in a namespace created later' });
  expect(seen).not.toContain(`${skipped}/one`);
});

test('cluster-wide serves every namespace with one stream', async () => {
  const tag = randomBytes(3).toString('hex');
  const first = await namespace(`h-all-${tag}-1`);
  const second = await namespace(`h-all-${tag}-2`);
  const seen: string[] = [];
  run({ clusterwide: true }, seen, tag);
  for (const ns of [first, second])
    await client.create(EXAMPLES, ns, exampleBody('one', {}, { labels: { run: tag } }));
  await eventually(() => seen.includes(`${first}/one`) && seen.includes(`${second}/one`), {
    what: 'both objects',
  });
});
