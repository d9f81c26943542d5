/** Filters keep unmatched objects invisible; kopf.info/warn and the object logger post Kubernetes Events. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EVENTS, EXAMPLES, exampleBody, settle, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('objects matched by no handler get no annotations, no finalizer and no log lines', async () => {
  const ns = await scenario.namespace('h-filters');
  const registry = new kopf.Registry();
  const seen: string[] = [];
  kopf.on.create(
    EXAMPLES,
    function labelled({ name }) {
      seen.push(name);
    },
    { registry, labels: { app: 'mine', tier: kopf.PRESENT, legacy: kopf.ABSENT } },
  );
  kopf.on.delete(EXAMPLES, function cleanup() {}, { registry, labels: { app: 'mine', legacy: kopf.ABSENT } });
  kopf.on.create(
    EXAMPLES,
    function sized({ name }) {
      seen.push(`sized:${name}`);
    },
    { registry, field: 'spec.size', value: (v) => typeof v === 'number' && v > 10 },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(
    EXAMPLES,
    ns.name,
    exampleBody('other', {}, { labels: { app: 'theirs', tier: 'x' } }),
  );
  await op.client.create(
    EXAMPLES,
    ns.name,
    exampleBody('legacy', {}, { labels: { app: 'mine', tier: 'x', legacy: 'y' } }),
  );
  await op.client.create(EXAMPLES, ns.name, exampleBody('small', { size: 1 }));
  await op.client.create(EXAMPLES, ns.name, exampleBody('mine', {}, { labels: { app: 'mine', tier: 'x' } }));
  await op.client.create(EXAMPLES, ns.name, exampleBody('big', { size: 20 }));
  await waitForLine(op, 'Creation is processed', 2);
  await settle(1000);
  expect(seen.sort()).toEqual(['mine', 'sized:big']);
  for (const name of ['other', 'legacy', 'small']) {
    const object = await op.client.get(EXAMPLES, ns.name, name);
    expect(object.metadata?.annotations).toBeUndefined();
    expect(object.metadata?.finalizers).toBeUndefined();
    expect(op.records.filter((r) => r.object?.name === name)).toEqual([]);
  }
  expect((await op.client.get(EXAMPLES, ns.name, 'mine')).metadata?.finalizers).toEqual([
    'kopf.zalando.org/KopfFinalizerMarker',
  ]);
  expect((await op.client.get(EXAMPLES, ns.name, 'big')).metadata?.finalizers).toBeUndefined();
});

test('kopf.info/warn post Events in Kopf format; with posting.loggers, so does the object logger', async () => {
  const ns = await scenario.namespace('h-events');
  const registry = new kopf.Registry();
  // As Kopf's local logger: event handlers run on every event, their lines are never posted.
  kopf.on.event(
    EXAMPLES,
    function watchFn({ logger }) {
      logger.info('Seen, not posted.');
    },
    { registry },
  );
  kopf.on.create(
    EXAMPLES,
    function announce({ body, logger }) {
      kopf.info(body, { reason: 'Greeting', message: 'Hello from the handler.' });
      kopf.warn(body, { reason: 'Careful', message: 'Mind the gap.' });
      logger.info('Logged and posted.');
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name, { posting: { loggers: true } });
  const created = await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, 'Creation is processed');
  const events = await eventually(
    async () => {
      const { items } = await op.client.list(EVENTS, ns.name);
      const reasons = items.map((e) => e.reason);
      // Events are posted in the background, one by one: wait for the last one this test checks.
      const logged = items.filter((e) => e.reason === 'Logging').map((e) => e.message);
      return reasons.includes('Greeting') &&
        reasons.includes('Careful') &&
        logged.includes("Handler 'announce' succeeded.")
        ? items
        : undefined;
    },
    { what: 'events' },
  );
  const greeting = events.find((e) => e.reason === 'Greeting')!;
  expect(greeting).toMatchObject({
    type: 'Normal',
    message: 'Hello from the handler.',
    source: { component: 'kopf' },
    reportingComponent: 'kopf',
    involvedObject: {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      name: 'one',
      namespace: ns.name,
      uid: created.metadata?.uid,
    },
  });
  expect(greeting.metadata?.name).toMatch(/^kopf-event-/);
  expect(events.find((e) => e.reason === 'Careful')).toMatchObject({
    type: 'Warning',
    message: 'Mind the gap.',
  });
  const logged = events.filter((e) => e.reason === 'Logging').map((e) => e.message);
  expect(logged).toContain('Logged and posted.');
  expect(logged).toContain("Handler 'announce' succeeded.");
  // Posted one by one in order: the event handler ran before the create handler's lines.
  expect(logged).not.toContain('Seen, not posted.');
  expect(logged).not.toContain("Handler 'watchFn' succeeded.");
});
