/** Trouble outside the handlers: missing permissions, pruned results, stopping while a handler runs. */
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, serviceAccountKubeConfig, waitForCrd } from '../../runtime/testing/index.ts';
import { EVENTS, EXAMPLES, exampleBody, waitForLine } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { kc } = scenario;

/** A create handler that counts its calls. */
function countedCreate(registry: kopf.Registry): { calls: number } {
  const counter = { calls: 0 };
  kopf.on.create(
    EXAMPLES,
    function createFn() {
      counter.calls++;
    },
    { registry },
  );
  return counter;
}

/** About 300 KB of spec: its diff-base alone is more than all annotations of an object may hold. */
const BIG_ITEMS = Array.from({ length: 300 }, (_, i) => `${i}-${'x'.repeat(1000)}`);

test('a PATCH the operator may not do is throttled with a log line naming the object and the cause', async () => {
  const ns = await scenario.namespace('h-forbidden');
  await applyYaml(
    kc,
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: read-only }
rules:
  - apiGroups: [kopf.dev]
    resources: [kopfexamples]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: read-only }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-only }
subjects: [{ kind: ServiceAccount, name: operator, namespace: ${ns.name} }]
`,
    { namespace: ns.name },
  );
  const operatorKc = await serviceAccountKubeConfig(kc, ns.name, 'operator');
  const registry = new kopf.Registry();
  const created = countedCreate(registry);
  const op = scenario.start(registry, ns.name, { networking: { errorBackoffs: [0.1] } }, operatorKc);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  const [line] = await waitForLine(op, /^Cannot store the handling state of KopfExample .*\/one: /);
  expect(line).toBe(
    `Cannot store the handling state of KopfExample ${ns.name}/one: the operator may not 'patch' 'kopfexamples' in the API group 'kopf.dev' (403 Forbidden). Grant the verb 'patch' on 'kopfexamples' to the operator's ServiceAccount (deploy/ of a generated project has the Role). Retrying in 1 seconds.`,
  );
  const record = op.records.find((r) => r.message === line);
  expect(record?.object).toEqual({ namespace: ns.name, name: 'one' });
  expect(record?.level).toBe('error');
  // Retried after the backoff (the handler runs again: its success was never persisted); one line
  // per attempt, never the generic throttling with a stack trace.
  await eventually(() => created.calls >= 2, { what: 'a retry after the backoff' });
  await waitForLine(op, /^Cannot store the handling state/, 2);
  expect(op.lines().filter((l) => l.startsWith('Throttling'))).toEqual([]);
});

test('a diff-base over the annotation limit is one line with its size and the fix, not a hot loop', async () => {
  const ns = await scenario.namespace('h-toolong');
  const registry = new kopf.Registry();
  const created = countedCreate(registry);
  const op = scenario.start(registry, ns.name, { execution: { defaultBackoff: 3 } });
  await op.client.create(EXAMPLES, ns.name, exampleBody('big', { items: BIG_ITEMS }));
  const [line] = await waitForLine(op, /^Cannot store the handling state of KopfExample .*\/big: /);
  expect(line).toMatch(/Too long/);
  expect(line).toMatch(
    /The annotation 'kopf\.zalando\.org\/last-handled-configuration' alone is \d+ KB \(all annotations together may hold 256 KB\)/,
  );
  expect(line).toContain('settings.persistence.diffbaseIgnoredFields');
  expect(line).toMatch(/Retrying in 3 seconds\.$/);
  expect(op.lines().filter((l) => l.startsWith('Throttling'))).toEqual([]);
  expect(created.calls).toBe(1);
});

test('fields ignored for the diff-base are not stored and trigger no handlers', async () => {
  const ns = await scenario.namespace('h-ignored');
  const registry = new kopf.Registry();
  const updates: unknown[] = [];
  kopf.on.create(EXAMPLES, function createFn() {}, { registry });
  kopf.on.update(
    EXAMPLES,
    function updateFn({ diff }) {
      updates.push(diff);
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name, { persistence: { diffbaseIgnoredFields: ['spec.items'] } });
  await op.client.create(EXAMPLES, ns.name, exampleBody('big', { items: BIG_ITEMS, field: 'a' }));
  const stored = await eventually(
    async () =>
      (await op.client.get(EXAMPLES, ns.name, 'big')).metadata?.annotations?.[
        'kopf.zalando.org/last-handled-configuration'
      ],
    { what: 'the diff-base' },
  );
  expect(JSON.parse(stored)).toEqual({ spec: { field: 'a' } });
  await op.client.patch(EXAMPLES, ns.name, 'big', { spec: { items: ['changed'] } }, { type: 'merge' });
  await op.client.patch(EXAMPLES, ns.name, 'big', { spec: { field: 'b' } }, { type: 'merge' });
  await waitForLine(op, 'Updating is processed');
  expect(updates).toEqual([[['change', ['spec', 'field'], 'a', 'b']]]);
});

test('with posting.loggers, a failing handler posts an Error event: the log line and the stack', async () => {
  const ns = await scenario.namespace('h-failevent');
  const registry = new kopf.Registry();
  kopf.on.create(
    EXAMPLES,
    function failingFn() {
      throw new Error('boom');
    },
    { registry, errors: 'permanent' },
  );
  const op = scenario.start(registry, ns.name, { posting: { loggers: true } });
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  const event = await eventually(
    async () => (await op.client.list(EVENTS, ns.name)).items.find((e) => e.type === 'Error'),
    { what: 'an Error event' },
  );
  expect(event).toMatchObject({ reason: 'Logging', involvedObject: { kind: 'KopfExample', name: 'one' } });
  const [line, ...stack] = String(event.message).split('\n');
  expect(line).toBe("Handler 'failingFn' failed with an exception and will stop now: boom");
  expect(stack[0]).toBe('Error: boom');
  expect(stack[1]).toMatch(/^ +at .*failingFn/);
});

test('on stop, a running handler finishes and its outcome is persisted', async () => {
  const ns = await scenario.namespace('h-shutdown');
  const registry = new kopf.Registry();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let sawStop = false;
  kopf.on.create(
    EXAMPLES,
    async function slowFn({ signal }) {
      signal.addEventListener('abort', () => {
        sawStop = true;
        setTimeout(release, 300);
      });
      await released;
      return 'finished';
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'slowFn' is invoked.");
  await op.stop();
  const object = await op.client.get(EXAMPLES, ns.name, 'one').catch(async () => {
    // the kit's client is closed by stop(); use a fresh one
    const { createApiClient } = await import('../../runtime/client/index.ts');
    return createApiClient(kc, kopf.makeSettings()).get(EXAMPLES, ns.name, 'one');
  });
  expect(sawStop).toBe(true);
  expect(object.status).toEqual({ slowFn: 'finished' });
  expect(object.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration']).toBeDefined();
});

test('a result the schema prunes from status is warned about', async () => {
  await applyYaml(
    kc,
    `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: strictexamples.kopf-ts.dev }
spec:
  group: kopf-ts.dev
  scope: Namespaced
  names: { kind: StrictExample, plural: strictexamples, singular: strictexample }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: { type: object, x-kubernetes-preserve-unknown-fields: true }
            status: { type: object, properties: { known: { type: string } } }
`,
  );
  await waitForCrd(kc, 'strictexamples.kopf-ts.dev');
  const ns = await scenario.namespace('h-pruned');
  const registry = new kopf.Registry();
  kopf.on.create(
    'strictexamples.kopf-ts.dev',
    function createFn() {
      return { lost: true };
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name);
  const strict = {
    group: 'kopf-ts.dev',
    version: 'v1',
    plural: 'strictexamples',
    kind: 'StrictExample',
    namespaced: true,
  };
  await op.client.create(strict, ns.name, {
    apiVersion: 'kopf-ts.dev/v1',
    kind: 'StrictExample',
    metadata: { name: 'one' },
    spec: {},
  });
  const [line] = await waitForLine(op, 'Merge-patching finished with inconsistencies');
  expect(line).toContain('status.createFn');
});

test('a handler that never returns is cut at its timeout: its signal aborts and it fails for good', async () => {
  const ns = await scenario.namespace('h-hanging');
  const registry = new kopf.Registry();
  let aborted = false;
  kopf.on.create(
    EXAMPLES,
    function hangingFn({ signal }) {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => undefined);
    },
    { registry, timeout: 1 },
  );
  const op = scenario.start(registry, ns.name);
  await op.client.create(EXAMPLES, ns.name, exampleBody('one'));
  await waitForLine(op, "Handler 'hangingFn' has timed out after 1 seconds and is cut.");
  await waitForLine(op, 'Creation is processed: 0 succeeded; 1 failed.');
  expect(aborted).toBe(true);
});
