/** Server-side label selectors: when every handler filters on exact labels, unmatched objects never arrive. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, settle } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('an event handler filtering on app=x watches with that selector and never gets the other object', async () => {
  const { name: namespace } = await scenario.namespace('sel-events');
  const { client } = scenario;
  await client.create(EXAMPLES, namespace, exampleBody('matching', {}, { labels: { app: 'x' } }));
  await client.create(EXAMPLES, namespace, exampleBody('other', {}, { labels: { app: 'y' } }));

  const registry = new kopf.Registry();
  const seen: Array<[string, string | null]> = [];
  kopf.on.event(EXAMPLES, ({ name, type }) => void seen.push([name, type]), {
    id: 'spy',
    registry,
    labels: { app: 'x' },
  });
  const op = scenario.run({ registry, namespaces: [namespace] });

  await eventually(() => seen.some(([name, type]) => name === 'matching' && type === null) || undefined, {
    what: 'the matching object in the listing',
  });
  // The stream's requests carried the selector (said once per stream, at debug level).
  expect(op.lines()).toContain(
    `The watch-stream of kopfexamples.v1.kopf.dev in ${namespace} selects labels: app=x`,
  );

  // Relabelled to match, the other object *enters* the selector: the server sends it as ADDED. A
  // stream filtered only client-side would have had it all along and would deliver a MODIFIED event.
  await settle(500);
  await client.patch(EXAMPLES, namespace, 'other', { metadata: { labels: { app: 'x' } } }, { type: 'merge' });
  await eventually(() => seen.some(([name]) => name === 'other') || undefined, {
    what: 'the relabelled object',
  });
  expect(seen.filter(([name]) => name === 'other')).toEqual([['other', 'ADDED']]);
});

test('a handler without a label filter on the same resource needs every object: no selector', async () => {
  const { name: namespace } = await scenario.namespace('sel-none');
  const registry = new kopf.Registry();
  kopf.on.event(EXAMPLES, () => undefined, { id: 'some', registry, labels: { app: 'x' } });
  kopf.on.event(EXAMPLES, () => undefined, { id: 'all', registry });
  const op = scenario.run({ registry, namespaces: [namespace] });
  const line = `The watch-stream of kopfexamples.v1.kopf.dev in ${namespace} selects all objects (no label selector).`;
  await eventually(() => op.lines().includes(line) || undefined, { what: 'the stream without a selector' });
});
