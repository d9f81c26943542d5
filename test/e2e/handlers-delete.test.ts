/** Deletion: the finalizer is added up front, the delete handler runs, the object goes away. */
import { afterEach, beforeAll, expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import {
  EXAMPLES,
  exampleBody,
  installCrd,
  startOperator,
  waitForLine,
  type RunningOperator,
} from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const FINALIZER = 'kopf.zalando.org/KopfFinalizerMarker';
let op: RunningOperator | undefined;
let ns: TestNamespace | undefined;

beforeAll(() => installCrd(kc));
afterEach(async () => {
  await op?.stop();
  await ns?.delete();
  op = undefined;
  ns = undefined;
});

async function gone(client: RunningOperator['client'], namespace: string, name: string): Promise<boolean> {
  try {
    await client.get(EXAMPLES, namespace, name);
    return false;
  } catch (error) {
    return (error as { status?: number }).status === 404;
  }
}

test('a delete handler gets a finalizer up front, runs on deletion, and the object goes away', async () => {
  ns = await freshNamespace(kc, 'h-delete');
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
  op = startOperator(kc, registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }));
  await waitForLine(op, 'Adding the finalizer, thus preventing the actual deletion.');
  await waitForLine(op, 'Creation is processed');
  expect((await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers).toEqual([FINALIZER]);

  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => gone(op!.client, ns!.name, 'one'), { what: 'the object to be deleted' });
  expect(deleted).toEqual(['delete:one']);
});

test('a delete handler that writes a result runs exactly once per object', async () => {
  // Its result is patched into status before the finalizer is released; the echo of that patch still
  // carries the finalizer and must not look like a deletion still to be handled.
  ns = await freshNamespace(kc, 'h-delete-once');
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
  op = startOperator(kc, registry, ns.name);
  const names = Array.from({ length: 8 }, (_, i) => `obj-${i}`);
  for (const name of names) await op.client.create(EXAMPLES, ns.name, exampleBody(name, { field: 'a' }));
  await waitForLine(op, 'Creation is processed', names.length);
  for (const name of names) await op.client.delete(EXAMPLES, ns.name, name);
  for (const name of names) {
    await eventually(() => gone(op!.client, ns!.name, name), { what: `${name} to be deleted` });
  }
  // Stale echoes arrive within milliseconds; give them a moment to (wrongly) trigger a second run.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect([...deleted].sort()).toEqual(names);
});

test('an optional delete handler adds no finalizer', async () => {
  ns = await freshNamespace(kc, 'h-optional');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.delete(EXAMPLES, function deleteFn() {}, { registry, optional: true });
  op = startOperator(kc, registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }));
  await waitForLine(op, 'Creation is processed');
  expect((await op.client.get(EXAMPLES, ns.name, 'one')).metadata?.finalizers).toBeUndefined();
  expect(op.lines().some((l) => l.includes('Adding the finalizer'))).toBe(false);

  await op.client.delete(EXAMPLES, ns.name, 'one');
  await eventually(() => gone(op!.client, ns!.name, 'one'), { what: 'the object to be deleted' });
});

test('a finalizer no handler needs any more is removed', async () => {
  ns = await freshNamespace(kc, 'h-stale-fin');
  const registry = new kopf.Registry();
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  op = startOperator(kc, registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one', { field: 'a' }, { finalizers: [FINALIZER] }));
  await waitForLine(op, 'Removing the finalizer, as there are no handlers requiring it.');
  await eventually(async () => !(await op!.client.get(EXAMPLES, ns!.name, 'one')).metadata?.finalizers);
});

test('deletion waits while a delete handler retries', async () => {
  ns = await freshNamespace(kc, 'h-del-retry');
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
  op = startOperator(kc, registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await eventually(
    async () => (await op!.client.get(EXAMPLES, ns!.name, 'one')).metadata?.finalizers?.length,
  );
  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, "Handler 'deleteFn' failed temporarily: not yet");
  const pending = await op.client.get(EXAMPLES, ns.name, 'one');
  expect(pending.metadata?.deletionTimestamp).toBeDefined();
  expect(pending.metadata?.finalizers).toEqual([FINALIZER]);
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => gone(op!.client, ns!.name, 'one'), { what: 'the object to be deleted' });
  expect(attempts).toBe(2);
});

test('a deletion supersedes a creation still in progress', async () => {
  ns = await freshNamespace(kc, 'h-supersede');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      throw new kopf.TemporaryError('waiting', { delay: 60 });
    },
    { registry },
  );
  kopf.on.delete(EXAMPLES, function deleteFn() {}, { registry });
  op = startOperator(kc, registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'createFn' failed temporarily: waiting");
  await op.client.delete(EXAMPLES, ns.name, 'one');
  await waitForLine(op, 'Creation is superseded by deletion: 0 succeeded; 0 failed; 1 left to the moment.');
  await waitForLine(op, 'Deletion is processed: 1 succeeded; 0 failed.');
  await eventually(() => gone(op!.client, ns!.name, 'one'), { what: 'the object to be deleted' });
});
