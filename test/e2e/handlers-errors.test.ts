/** Retries: temporary errors with delays, permanent errors, retries/timeout limits, backoff of arbitrary errors. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import {
  EXAMPLES,
  countLines,
  exampleBody,
  settle,
  waitForLine,
  type RunningOperator,
} from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();

/** A Kopf annotation of object `one`, parsed. */
async function annotation(
  op: RunningOperator,
  namespace: string,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const text = (await op.client.get(EXAMPLES, namespace, 'one')).metadata?.annotations?.[
    `kopf.zalando.org/${key}`
  ];
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

test('a TemporaryError is retried after its delay, then the handler succeeds', async () => {
  const ns = await scenario.namespace('h-temp');
  const registry = new kopf.Registry();
  const attempts: Array<{ retry: number; at: number }> = [];
  kopf.on.create(
    EXAMPLES,
    function flaky({ retry }) {
      attempts.push({ retry, at: Date.now() });
      if (retry < 2) throw new kopf.TemporaryError('not yet', { delay: 1 });
      return 'done';
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'flaky' failed temporarily: not yet");
  const record = await eventually(() => annotation(op, ns.name, 'flaky'));
  expect(record).toMatchObject({
    purpose: 'create',
    retries: 1,
    success: false,
    failure: false,
    message: 'not yet',
  });
  expect(record.delayed).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  expect(attempts.map((a) => a.retry)).toEqual([0, 1, 2]);
  expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
  expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(950);
  const object = await eventually(
    async () => {
      const o = await op.client.get(EXAMPLES, ns.name, 'one');
      // The purge (body) and the result (status subresource) are two PATCHes: wait for both.
      return o.metadata?.annotations?.['kopf.zalando.org/flaky'] === undefined && o.status ? o : undefined;
    },
    { what: 'the progress annotation to be purged' },
  );
  expect(object.status).toEqual({ flaky: 'done' });
  expect(object.metadata?.annotations?.['kopf.zalando.org/touch-dummy']).toBeUndefined();
});

test('a PermanentError stops the attempts and the failure is recorded', async () => {
  const ns = await scenario.namespace('h-perm');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function broken() {
      calls++;
      throw new kopf.PermanentError('cannot ever work');
    },
    { registry },
  );
  kopf.on.create(EXAMPLES, function healthy() {}, { registry });
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'broken' failed permanently: cannot ever work");
  await waitForLine(op, 'Creation is processed: 1 succeeded; 1 failed.');
  await settle(1500);
  expect(calls).toBe(1);
  const object = await op.client.get(EXAMPLES, ns.name, 'one');
  // All handlers are done, so progress is purged and the diff-base is stored (Kopf does the same).
  expect(object.metadata?.annotations?.['kopf.zalando.org/broken']).toBeUndefined();
  expect(object.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration']).toBeDefined();
});

test('a failure stays recorded while other handlers are pending', async () => {
  const ns = await scenario.namespace('h-perm-rec');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function broken() {
      throw new kopf.PermanentError('cannot ever work');
    },
    { registry },
  );
  kopf.on.create(
    EXAMPLES,
    function slow({ retry }) {
      if (retry < 1) throw new kopf.TemporaryError('later', { delay: 3 });
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'slow' failed temporarily: later");
  const record = await eventually(async () => {
    const r = await annotation(op, ns.name, 'broken');
    return r?.failure ? r : undefined;
  });
  expect(record).toMatchObject({
    purpose: 'create',
    retries: 1,
    success: false,
    failure: true,
    message: 'cannot ever work',
  });
  expect(record.stopped).toMatch(/\+00:00$/);
  await waitForLine(op, 'Creation is processed: 1 succeeded; 1 failed.');
});

test('`retries` limits the attempts', async () => {
  const ns = await scenario.namespace('h-retries');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function limited() {
      calls++;
      throw new kopf.TemporaryError('again', { delay: 0.2 });
    },
    { registry, retries: 3 },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'limited' failed temporarily but will exceed 3 retries: again");
  await waitForLine(op, 'Creation is processed: 0 succeeded; 1 failed.');
  await settle(1000);
  expect(calls).toBe(3);
});

test('`timeout` limits the time since the first attempt', async () => {
  const ns = await scenario.namespace('h-timeout');
  const registry = new kopf.Registry();
  let calls = 0;
  kopf.on.create(
    EXAMPLES,
    function slowpoke() {
      calls++;
      throw new kopf.TemporaryError('still waiting', { delay: 0.5 });
    },
    { registry, timeout: 6 },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  // The last attempt foresees the timeout (its retry would come too late); on a busy machine a retry
  // can also start only after the timeout, and is then refused before the call. Either ends it.
  await waitForLine(
    op,
    /Handler 'slowpoke' (failed temporarily but will time out after 6 seconds: still waiting|has timed out after \d)/,
  );
  await waitForLine(op, 'Creation is processed: 0 succeeded; 1 failed.');
  await settle(1000);
  // Retried every 0.5 s until 6 s after the first attempt: at most 13 attempts, and more than one
  // (a generous window, so that a busy machine's slow retries still fit in it).
  expect(calls).toBeGreaterThanOrEqual(2);
  expect(calls).toBeLessThanOrEqual(13);
});

test('an arbitrary error is retried after `backoff`', async () => {
  const ns = await scenario.namespace('h-backoff');
  const registry = new kopf.Registry();
  const times: number[] = [];
  kopf.on.create(
    EXAMPLES,
    function buggy() {
      times.push(Date.now());
      if (times.length === 1) throw new Error('boom');
    },
    { registry, backoff: 1.5 },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'buggy' failed with an exception and will try again in 1.5 seconds: boom");
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  expect(times).toHaveLength(2);
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1400);
  expect(countLines(op, "Handler 'buggy' succeeded.")).toBe(1);
});

test("errors: 'permanent' fails at the first arbitrary error; 'ignored' counts it as done", async () => {
  const ns = await scenario.namespace('h-modes');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function strict() {
      throw new Error('strict boom');
    },
    { registry, errors: 'permanent' },
  );
  kopf.on.create(
    EXAMPLES,
    function lenient() {
      throw new Error('lenient boom');
    },
    { registry, errors: 'ignored' },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'strict' failed with an exception and will stop now: strict boom");
  await waitForLine(op, "Handler 'lenient' failed with an exception and will ignore it: lenient boom");
  await waitForLine(op, 'Creation is processed: 1 succeeded; 1 failed.');
});
