/** `kopf.daemon`: one task per object; deletion waits for it; stopped on filter mismatch and operator exit. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { EXAMPLES, exampleBody, settle } from './handlers-kit.ts';
import { FINALIZER, getExample, isGone } from './kinds-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

test('a daemon holds the finalizer until it exits: deletion waits, then completes', async () => {
  const ns = await scenario.namespace('k-daemon');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  let starts = 0;
  let liveSize: number | undefined;
  let stopReason: string | undefined;
  let existedAtExit: boolean | undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  kopf.daemon(
    EXAMPLES,
    async function monitorFn({ stopped, signal, spec }) {
      starts++;
      expect(spec.size).toBe(1);
      while (!(await stopped.wait(0.1))) {
        // `spec` is a live view: it shows the latest size without re-invoking the daemon.
        liveSize = spec.size;
      }
      expect(signal.aborted).toBe(true);
      stopReason = stopped.reason;
      await released; // cleaning up takes a while; the object must wait
      existedAtExit = !(await isGone(op, namespace, 'one'));
    },
    { registry },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', { size: 1 }));
  await eventually(() => starts > 0 || undefined, { what: 'the daemon start' });
  expect((await getExample(op, namespace, 'one')).metadata?.finalizers).toContain(FINALIZER);
  await op.client.patch(EXAMPLES, namespace, 'one', { spec: { size: 2 } }, { type: 'merge' });
  await eventually(() => liveSize === 2 || undefined, { what: 'the live spec' });
  expect(starts).toBe(1); // changes do not restart a daemon

  await op.client.delete(EXAMPLES, namespace, 'one');
  await eventually(() => stopReason, { what: 'the daemon being stopped' });
  expect(stopReason).toBe('resource-deleted');
  await settle(1000);
  const waiting = await getExample(op, namespace, 'one');
  expect(waiting.metadata?.deletionTimestamp).toBeDefined();
  expect(waiting.metadata?.finalizers).toContain(FINALIZER);

  release();
  await eventually(async () => (await isGone(op, namespace, 'one')) || undefined, { what: 'deletion' });
  expect(existedAtExit).toBe(true);
  expect(starts).toBe(1);
});

test('a daemon that ignores the stop is abandoned after its cancellation timeout', async () => {
  const ns = await scenario.namespace('k-daemon-abandon');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  let started = false;
  kopf.daemon(
    EXAMPLES,
    async function stubbornFn() {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 8000)); // never looks at `stopped`
    },
    { registry, cancellationTimeout: 1 },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one'));
  await eventually(() => started || undefined, { what: 'the daemon start' });
  const deleted = Date.now();
  await op.client.delete(EXAMPLES, namespace, 'one');
  await eventually(async () => (await isGone(op, namespace, 'one')) || undefined, { what: 'deletion' });
  expect(Date.now() - deleted).toBeGreaterThanOrEqual(900);
  expect(op.lines()).toContain("Daemon 'stubbornFn' did not exit in time. Leaving it orphaned.");
});

test('a daemon is stopped when its filters stop matching, and on operator exit', async () => {
  const ns = await scenario.namespace('k-daemon-filters');
  const namespace = ns.name;
  const registry = new kopf.Registry();
  const reasons: Array<string | undefined> = [];
  let running = 0;
  kopf.daemon(
    EXAMPLES,
    async function filteredFn({ stopped }) {
      running++;
      await stopped.wait();
      reasons.push(stopped.reason);
      running--;
    },
    { registry, labels: { daemon: 'yes' } },
  );
  const op = scenario.start(registry, namespace);
  await op.client.create(EXAMPLES, namespace, exampleBody('one', {}, { labels: { daemon: 'yes' } }));
  await eventually(() => running === 1 || undefined, { what: 'the daemon start' });

  await op.client.patch(
    EXAMPLES,
    namespace,
    'one',
    { metadata: { labels: { daemon: 'no' } } },
    { type: 'merge' },
  );
  await eventually(() => reasons.length === 1 || undefined, { what: 'the stop on mismatch' });
  expect(reasons).toEqual(['filters-mismatch']);
  // No daemon needs the object anymore: the finalizer goes.
  await eventually(async () => {
    const o = await getExample(op, namespace, 'one');
    return (o.metadata?.finalizers ?? []).includes(FINALIZER) ? undefined : true;
  });

  // Matching again spawns it again.
  await op.client.patch(
    EXAMPLES,
    namespace,
    'one',
    { metadata: { labels: { daemon: 'yes' } } },
    { type: 'merge' },
  );
  await eventually(() => running === 1 || undefined, { what: 'the daemon re-spawned' });

  await op.stop();
  expect(running).toBe(0);
  expect(reasons).toEqual(['filters-mismatch', 'operator-exiting']);
});
