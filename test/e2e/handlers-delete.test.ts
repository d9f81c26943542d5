/** Deletion: the finalizer is added up front, the delete handler runs, the object goes away. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { FINALIZER, isGone } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a delete handler gets a finalizer up front, runs on deletion, and the object goes away', async () => {
  const ns = await scenario.namespace('h-delete');
  const registry = new kopf.Registry();
  const deleted: string[] = [];
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.delete(
    EXAMPLES,
    function deleteFn({ name, reason }) {
      deleted.push(`${reason}:${name}`);
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }));
  await waitForLine(op, 'Adding the finalizer, thus preventing the actual deletion.');
  await waitForLine(op, 'Creation is processed');
  expect((await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers).toEqual([FINALIZER]);

  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
  expect(deleted).toEqual(['delete:one']);
});

test('a delete handler that writes a result runs exactly once per object', async () => {
  // Its result is patched into status before the finalizer is released; the echo of that patch still
  // carries the finalizer and must not look like a deletion still to be handled.
  const ns = await scenario.namespace('h-delete-once');
  const registry = new kopf.Registry();
  const deleted: string[] = [];
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.delete(
    EXAMPLES,
    function deleteFn({ name }) {
      deleted.push(name);
      return { message: `deleted ${name}` };
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  const names = Array.from({ length: 8 }, (_, i) => `obj-${i}`);
  for (const name of names) await op.client.create(EXAMPLES, ns.name, exampleBody(name, { field: 'a' }));
  await waitForLine(op, 'Creation is processed', names.length);
  for (const name of names) await op.client.delete(EXAMPLES, ns.name, name);
  for (const name of names) {
    await eventually(() => isGone(op, ns.name, name), { what: `${name} to be deleted` });
  }
  // Stale echoes arrive within milliseconds; give them a moment to (wrongly) trigger a second run.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect([...deleted].sort()).toEqual(names);
});

test('an optional delete handler adds no finalizer', async () => {
  const ns = await scenario.namespace('h-optional');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.delete(EXAMPLES, function deleteFn() {}, { registry, optional: true });
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }));
  await waitForLine(op, 'Creation is processed');
  expect((await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers).toBeUndefined();
  expect(op.lines().some((l) => l.includes('Adding the finalizer'))).toBe(false);

  await op.client.delete(EXAMPLES, ns.name, 'one');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
});

test('a finalizer no handler needs any more is removed', async () => {
  const ns = await scenario.namespace('h-stale-fin');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }, { finalizers: [FINALIZER] }));
  await waitForLine(op, 'Removing the finalizer, as there are no handlers requiring it.');
  await eventually(async () => !(await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers);
});

test('deletion waits while a delete handler retries', async () => {
  const ns = await scenario.namespace('h-del-retry');
  const registry = new kopf.Registry();
  let attempts = 0;
  kopf.on.delete(
    EXAMPLES,
    function deleteFn() {
      attempts++;
      if (attempts === 1) throw new kopf.TemporaryError('not yet', { delay: 1 });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await eventually(async () => (await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers?.length);
  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, "Handler 'deleteFn' failed temporarily: not yet");
  const pending = await op.client.get(EXAMPLES, ns.name, 'one');
  expect(pending.metadata?.deletionTimestamp).toBeDefined();
  expect(pending.metadata?.finalizers).toEqual([FINALIZER]);
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
  expect(attempts).toBe(2);
});

test('a deletion supersedes a creation still in progress', async () => {
  const ns = await scenario.namespace('h-supersede');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      throw new kopf.TemporaryError('waiting', { delay: 60 });
    },
    { registry },
  );
  kopf.on.delete(EXAMPLES, function deleteFn() {}, { registry });
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'createFn' failed temporarily: waiting");
  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, 'Creation is superseded by deletion: 0 succeeded; 0 failed; 1 left to the moment.');
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
});

test('resume handlers run for an object found being deleted only if they opted in with `deleted`', async () => {
  // The operator was down while the object was deleted: it finds the object with a deletionTimestamp,
  // held by the finalizer the previous run put.
  const ns = await scenario.namespace('h-resume-deleted');
  const registry = new kopf.Registry();
  const ran: string[] = [];
  kopf.on.resume(EXAMPLES, () => void ran.push('resumeAlive'), { registry, id: 'resumeAlive' });
  kopf.on.resume(EXAMPLES, () => void ran.push('resumeDeleted'), {
    registry,
    id: 'resumeDeleted',
    deleted: true,
  });
  kopf.on.delete(EXAMPLES, () => void ran.push('deleteFn'), { registry, id: 'deleteFn' });
  await scenario.client.create(EXAMPLES, ns.name, exampleBody('one', {}, { finalizers: [FINALIZER] }));
  await scenario.client.delete(EXAMPLES, ns.name, 'one');

  const op = scenario.start(registry, ns.name);
  await waitForLine(op, 'Deletion is processed: 2 succeeded; 0 failed.');
  await eventually(() => isGone(op, ns.name, 'one'), { what: 'the object to be deleted' });
  expect(ran.sort()).toEqual(['deleteFn', 'resumeDeleted']);
});
