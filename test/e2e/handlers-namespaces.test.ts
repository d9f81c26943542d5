/** Which namespaces an embedded operator serves: globs with negations, and cluster-wide. */
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { client, kc } = scenario;
const core = kc.makeApiClient(CoreV1Api);

/** A namespace of exactly this name (the patterns under test match names), deleted after the test. */
async function namespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  scenario.defer(() => core.deleteNamespace({ name }).catch(() => undefined));
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
  scenario.run({ ...options, registry });
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
