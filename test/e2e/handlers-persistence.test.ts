/**
 * Custom persistence names (`settings.persistence.finalizer`, `annotationsPrefix`): an object handled
 * with them carries Kopf's state under them, and nothing under `kopf.zalando.org`.
 */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { getExample, isGone } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a custom finalizer and annotations prefix hold the progress, the diff-base and the deletion block', async () => {
  const ns = await scenario.namespace('h-persistence');
  const registry = new kopf.Registry();
  let failFirst = true;
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      if (failFirst) {
        failFirst = false;
        throw new kopf.TemporaryError('once', { delay: 1 });
      }
    },
    { registry },
  );
  kopf.on.delete(EXAMPLES, function deleteFn() {}, { registry });
  const op = scenario.start(registry, ns.name, {
    persistence: { finalizer: 'example.com/finalizer', annotationsPrefix: 'example.com' },
  });
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  const retrying = await eventually(async () => {
    const o = await getExample(op, ns.name, 'one');
    return o.metadata?.annotations?.['example.com/createFn'] ? o : undefined;
  });
  expect(JSON.parse(retrying.metadata!.annotations!['example.com/createFn']!)).toMatchObject({ retries: 1 });

  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  const handled = await eventually(async () => {
    const o = await getExample(op, ns.name, 'one');
    return o.metadata?.annotations?.['example.com/createFn'] === undefined ? o : undefined;
  });
  expect(handled.metadata?.finalizers).toEqual(['example.com/finalizer']);
  // Plus Kopf's marker of a non-Kopf prefix, by which other Kopf operators recognise these annotations.
  expect(Object.keys(handled.metadata?.annotations ?? {}).sort()).toEqual([
    'example.com/kopf-managed',
    'example.com/last-handled-configuration',
  ]);

  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
});
