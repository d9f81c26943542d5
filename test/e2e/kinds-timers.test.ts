/** `kopf.timer`: ticks per object with the finalizer held; results applied per tick; stops on deletion. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { sleep } from '../../runtime/structs/timing.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, settle } from './handlers-kit.ts';
import { FINALIZER, getExample, isGone, statusOf } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a timer ticks with the finalizer held, writes each result, and stops when the object is deleted', async () => {
  const ns = await scenario.namespace('k-timer');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const ticks: string[] = [];
  kopf.timer(
    EXAMPLES,
    function tickFn({ name, patch }) {
      ticks.push(name);
      patch.metadata.labels.ticked = 'yes';
      return { ticks: ticks.filter((n) => n === name).length };
    },
    { registry, interval: 0.3, labels: { tick: 'yes' } },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', {}, { labels: { tick: 'yes' } }));
  await op.client.create(EXAMPLES, namespace, exampleBody('other', {}));

  const object = await eventually(
    async () => {
      const o = await getExample(op, namespace, 'one');
      const ticked = (statusOf(o).tickFn as { ticks?: number } | undefined)?.ticks ?? 0;
      return ticked >= 3 ? o : undefined;
    },
    { what: 'three ticks in status.tickFn' },
  );
  expect(object.metadata?.finalizers).toContain(FINALIZER);
  expect(object.metadata?.labels?.ticked).toBe('yes');

  // A non-matching object gets no timer, no finalizer, no annotations.
  const other = await getExample(op, namespace, 'other');
  expect(other.metadata?.finalizers ?? []).toEqual([]);
  expect(other.metadata?.annotations ?? {}).toEqual({});
  expect(ticks).not.toContain('other');
  expect(op.records.filter((r) => r.object?.name === 'other')).toEqual([]);

  await op.client.delete(EXAMPLES, namespace, 'one');
  await eventually(async () => (await isGone(op, namespace, 'one')) || undefined, { what: 'deletion' });
  const count = ticks.length;
  await settle(1000);
  expect(ticks.length).toBe(count);
});

test('a timer with idle runs only after the object has not changed for that long', async () => {
  const ns = await scenario.namespace('k-timer-idle');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const ticks: number[] = [];
  kopf.timer(
    EXAMPLES,
    function idleFn() {
      ticks.push(Date.now());
    },
    { registry, idle: 1.5, interval: 0.2 },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', { size: 0 }));
  // Keep changing the spec for ~2.5 s: no tick while the changes keep coming.
  const busyUntil = Date.now() + 2500;
  for (let size = 1; Date.now() < busyUntil; size++) {
    await op.client.patch(EXAMPLES, namespace, 'one', { spec: { size } }, { type: 'merge' });
    await settle(300);
  }
  const lastChange = Date.now();
  expect(ticks).toEqual([]);
  await eventually(() => ticks.length > 0 || undefined, { what: 'a tick after the idle time' });
  expect(ticks[0]! - lastChange).toBeGreaterThanOrEqual(1000);
});

test('a timer failing permanently stops for that object; temporary errors retry after their delay', async () => {
  const ns = await scenario.namespace('k-timer-errors');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.timer(
    EXAMPLES,
    function flakyFn() {
      calls++;
      if (calls === 1) throw new kopf.TemporaryError('not yet', { delay: 0.2 });
      throw new kopf.PermanentError('never');
    },
    { registry, interval: 0.2 },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one'));
  await eventually(() => calls >= 2 || undefined, { what: 'the retry' });
  await settle(1000);
  expect(calls).toBe(2);
  expect(op.lines()).toContain(
    "Timer 'flakyFn' has failed permanently and will not run again for this object.",
  );
  // A stopped timer no longer needs the finalizer: the object is deleted at once.
  await op.client.patch(EXAMPLES, namespace, 'one', { spec: { size: 1 } }, { type: 'merge' });
  await op.client.delete(EXAMPLES, namespace, 'one');
  await eventually(async () => (await isGone(op, namespace, 'one')) || undefined, { what: 'deletion' });
});

test('a callable initialDelay gets each object’s arguments: its seconds are slept before that object’s first tick', async () => {
  const ns = await scenario.namespace('k-timer-delay');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const asked: string[] = [];
  const ticks: string[] = [];
  kopf.timer(
    EXAMPLES,
    function delayedFn({ name }) {
      ticks.push(name);
    },
    {
      registry,
      interval: 0.2,
      initialDelay: ({ name, labels }) => {
        asked.push(name);
        return Number(labels.delay);
      },
    },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('quick', {}, { labels: { delay: '0' } }));
  await op.client.create(EXAMPLES, namespace, exampleBody('slow', {}, { labels: { delay: '3600' } }));
  await eventually(() => ticks.filter((n) => n === 'quick').length >= 3 || undefined, {
    what: 'three ticks of the object without a delay',
  });
  await eventually(() => asked.includes('slow') || undefined, {
    what: 'the delay asked for the other object',
  });
  expect(ticks).not.toContain('slow'); // an hour to go
  expect(asked.filter((n) => n === 'quick')).toEqual(['quick']); // once per task, not per tick
});

test('a sharp timer keeps to its interval since the first tick, however long each tick takes', async () => {
  const ns = await scenario.namespace('k-timer-sharp');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const ticks = { sharpFn: 0, plainFn: 0 };
  // Both ticks take 0.6 s of a 1 s interval: a plain timer then sleeps 1 s more (a 1.6 s period),
  // a sharp one only until the next whole second since it began (a 1 s period).
  for (const sharp of [true, false]) {
    kopf.timer(
      EXAMPLES,
      async () => {
        ticks[sharp ? 'sharpFn' : 'plainFn']++;
        await sleep(0.6);
      },
      { registry, id: sharp ? 'sharpFn' : 'plainFn', interval: 1, sharp },
    );
  }
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', {}));
  await eventually(() => ticks.plainFn >= 4 || undefined, { what: 'four ticks of the plain timer' });
  // ~5.4 s for four plain ticks hold about six sharp ones; both are slowed alike on a busy machine.
  expect(ticks.sharpFn).toBeGreaterThan(ticks.plainFn);
});
