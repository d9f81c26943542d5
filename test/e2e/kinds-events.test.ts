/** `kopf.on.event`: every raw event, listing and DELETED included; results to status; filters apply. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, settle, startOperator } from './handlers-kit.ts';
import { getExample, statusOf } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { kc } = scenario;

test('an event handler sees the listing, live events and the deletion of matching objects only', async () => {
  const ns = await scenario.namespace('k-events');
  const namespace = ns.name;
  const admin = startOperator(kc, new kopf.Registry(), namespace); // only for its client
  await admin.client.create(
    EXAMPLES,
    namespace,
    exampleBody('listed', { size: 1 }, { labels: { spy: 'yes' } }),
  );
  await admin.client.create(EXAMPLES, namespace, exampleBody('ignored', { size: 1 }));
  await admin.stop();

  const registry = new kopf.Registry();
  const seen: Array<[string, string | null]> = [];
  kopf.on.event(
    EXAMPLES,
    function spyFn({ event, type, name, spec }) {
      expect(event.type).toBe(type);
      expect(event.object.metadata.name).toBe(name);
      seen.push([name, type]);
      return { size: spec.size ?? null };
    },
    { registry, labels: { spy: 'yes' } },
  );
  const op = scenario.start(registry, namespace);

  await eventually(() => seen.some(([n, t]) => n === 'listed' && t === null) || undefined, {
    what: 'the listed object (type null)',
  });
  await op.client.create(EXAMPLES, namespace, exampleBody('live', { size: 2 }, { labels: { spy: 'yes' } }));
  await eventually(() => seen.some(([n, t]) => n === 'live' && t === 'ADDED') || undefined, {
    what: 'ADDED',
  });

  // The result lands in status.<id>, as in Kopf.
  const live = await eventually(async () => {
    const o = await getExample(op, namespace, 'live');
    return statusOf(o).spyFn ? o : undefined;
  });
  expect(statusOf(live).spyFn).toEqual({ size: 2 });
  // No progress, no finalizer, no diff-base for a spy.
  expect(live.metadata?.finalizers ?? []).toEqual([]);
  expect(Object.keys(live.metadata?.annotations ?? {})).toEqual([]);

  await op.client.patch(EXAMPLES, namespace, 'live', { spec: { size: 3 } }, { type: 'merge' });
  await eventually(() => seen.some(([n, t]) => n === 'live' && t === 'MODIFIED') || undefined, {
    what: 'MODIFIED',
  });
  await op.client.delete(EXAMPLES, namespace, 'live');
  await eventually(() => seen.some(([n, t]) => n === 'live' && t === 'DELETED') || undefined, {
    what: 'DELETED',
  });

  await settle(500);
  expect(seen.filter(([n]) => n === 'ignored')).toEqual([]);
  const ignored = await getExample(op, namespace, 'ignored');
  expect(ignored.status).toBeUndefined();
  expect(op.records.filter((r) => r.object?.name === 'ignored')).toEqual([]);
});

test('an event handler failing is logged and ignored: no retries, later events still arrive', async () => {
  const ns = await scenario.namespace('k-events-err');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const calls: Array<string | null> = [];
  kopf.on.event(
    EXAMPLES,
    function failingSpy({ type }) {
      calls.push(type);
      throw new Error('boom');
    },
    { registry },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', { size: 1 }));
  // Listed or ADDED, depending on whether the operator's listing or the creation came first.
  await eventually(() => calls.length > 0 || undefined, { what: 'the first event' });
  await settle(1500); // a retry would come after the 1 s backoff of FAST settings
  expect(calls).toHaveLength(1);
  expect(
    op.lines().some((l) => l.includes("Handler 'failingSpy' failed with an exception and will ignore it")),
  ).toBe(true);

  await op.client.patch(EXAMPLES, namespace, 'one', { spec: { size: 2 } }, { type: 'merge' });
  await eventually(() => calls.includes('MODIFIED') || undefined, { what: 'MODIFIED' });
});
