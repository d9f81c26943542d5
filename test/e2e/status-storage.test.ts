/**
 * `persistence.diffbaseStorage: 'status'` with `progressStorage: 'status'`: the diff-base, the results and
 * the progress of a cycle go into one PATCH — of the status subresource when the CRD has one (discovery
 * tells), of the object itself when not. Counted by the apiserver itself (`apiserver_request_total`), on
 * resources of this file's own, so that other test files running meanwhile do not count.
 */
import { beforeAll, expect, test } from 'vitest';
import { Kube } from '../../bench/lib/kube.ts';
import { parseRequestTotals, type RequestCounts } from '../../bench/lib/metrics.ts';
import * as kopf from '../../runtime/index.ts';
import { applyYaml, eventually, waitForCrd } from '../../runtime/testing/index.ts';
import { settle, waitForLine } from './handlers-kit.ts';
import { crdYaml, useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario({ exampleCrd: false });
const GROUP = 'status-storage.kopf.dev';
/** The same kind twice: with a status subresource, and with `status` a plain field of the object. */
const WITH_SUBRESOURCE = `statusstores.${GROUP}`;
const WITHOUT_SUBRESOURCE = `plainstores.${GROUP}`;
const STATUS_STORAGES: kopf.SettingsOverrides = {
  persistence: { diffbaseStorage: 'status', progressStorage: 'status' },
};

beforeAll(async () => {
  await applyYaml(
    scenario.kc,
    crdYaml({ group: GROUP, plural: 'statusstores', kind: 'StatusStore', scope: 'Namespaced' }),
  );
  await applyYaml(
    scenario.kc,
    crdYaml({
      group: GROUP,
      plural: 'plainstores',
      kind: 'PlainStore',
      scope: 'Namespaced',
      statusSubresource: false,
    }),
  );
  await waitForCrd(scenario.kc, WITH_SUBRESOURCE);
  await waitForCrd(scenario.kc, WITHOUT_SUBRESOURCE);
});

/** The apiserver's own count of PATCH requests to a resource (`plural` and `plural/status`). */
async function patchCounts(plural: string): Promise<{ object: number; status: number }> {
  const kube = new Kube(scenario.cluster);
  try {
    const counts: RequestCounts = parseRequestTotals(await kube.metrics());
    return { object: counts.get(`PATCH ${plural}`) ?? 0, status: counts.get(`PATCH ${plural}/status`) ?? 0 };
  } finally {
    kube.close();
  }
}

function resourceOf(name: string): kopf.ResourceInfo {
  const [plural = '', ...group] = name.split('.');
  const kind = plural === 'statusstores' ? 'StatusStore' : 'PlainStore';
  return { group: group.join('.'), version: 'v1', plural, kind, namespaced: true };
}

/** An operator with one create handler and one update handler, counting their runs. */
function changeHandlers(resource: string) {
  const registry = new kopf.Registry();
  const runs = { created: 0, diffs: [] as unknown[] };
  kopf.on.create(
    resource,
    function created() {
      runs.created++;
      return { message: 'ok' };
    },
    { registry },
  );
  kopf.on.update(
    resource,
    function updated({ diff }) {
      runs.diffs.push(diff);
    },
    { registry },
  );
  return { registry, runs };
}

async function createObjects(resource: string, namespace: string, names: string[]): Promise<void> {
  const info = resourceOf(resource);
  for (const name of names) {
    await scenario.client.create(info, namespace, {
      apiVersion: `${info.group}/v1`,
      kind: info.kind,
      metadata: { name },
      spec: { field: 'a' },
    });
  }
}

/** The diff-base in the status, if any. */
function diffbaseIn(object: kopf.KubernetesObject): unknown {
  return (object as { status?: { kopf?: Record<string, unknown> } }).status?.kopf?.[
    'last-handled-configuration'
  ];
}

/** A change of `spec.field`, as a user makes it. */
async function changeField(namespace: string, name: string, value: string): Promise<void> {
  await scenario.client.patch(
    resourceOf(WITH_SUBRESOURCE),
    namespace,
    name,
    { spec: { field: value } },
    { type: 'merge' },
  );
}

/** The object once its creation is fully handled: the result and the diff-base stored, no progress left. */
async function handled(resource: string, namespace: string, name: string) {
  return eventually(
    async () => {
      const object = await scenario.client.get(resourceOf(resource), namespace, name);
      const status = (object as { status?: { created?: unknown; kopf?: Record<string, unknown> } }).status;
      return status?.created && status.kopf?.['last-handled-configuration'] && !status.kopf['progress']
        ? object
        : undefined;
    },
    { what: `${name} handled` },
  );
}

test.each([
  ['the status subresource', WITH_SUBRESOURCE, 'status'],
  ['the object (no status subresource)', WITHOUT_SUBRESOURCE, 'object'],
] as const)(
  'with status storages, a handled creation is one PATCH per object, of %s; no annotations, no finalizer',
  async (_where, resource, target) => {
    const ns = await scenario.namespace('status-one-patch');
    const plural = resource.split('.')[0]!;
    const { registry, runs } = changeHandlers(resource);
    const op = scenario.start(registry, ns.name, STATUS_STORAGES);
    const names = ['one', 'two', 'three'];
    const before = await patchCounts(plural);
    await createObjects(resource, ns.name, names);
    const objects = await Promise.all(names.map((name) => handled(resource, ns.name, name)));
    await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.', names.length);
    await settle(1000); // a second PATCH, if any, would come right after the first
    const after = await patchCounts(plural);

    expect({ object: after.object - before.object, status: after.status - before.status }).toEqual(
      target === 'status' ? { object: 0, status: names.length } : { object: names.length, status: 0 },
    );
    expect(op.stats.patches).toBe(names.length);
    expect(runs.created).toBe(names.length);
    for (const object of objects) {
      expect(object.metadata?.annotations ?? {}).toEqual({});
      expect(object.metadata?.finalizers ?? []).toEqual([]);
      expect(object.status).toEqual({
        created: { message: 'ok' },
        kopf: { 'last-handled-configuration': '{"spec":{"field":"a"}}' },
      });
    }
  },
);

test('with status storages, an update gets the diff from the status diff-base, and a restart re-runs nothing', async () => {
  const ns = await scenario.namespace('status-update');
  const { registry, runs } = changeHandlers(WITH_SUBRESOURCE);
  const first = scenario.start(registry, ns.name, STATUS_STORAGES);
  await createObjects(WITH_SUBRESOURCE, ns.name, ['one']);
  await handled(WITH_SUBRESOURCE, ns.name, 'one');
  await first.stop();

  // A change made while no operator runs is one update on the restart; the creation is not repeated.
  await changeField(ns.name, 'one', 'b');
  const second = scenario.start(registry, ns.name, STATUS_STORAGES);
  await waitForLine(second, 'Updating is processed: 1 succeeded; 0 failed.');
  await eventually(
    async () => {
      const object = await scenario.client.get(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
      return diffbaseIn(object) === '{"spec":{"field":"b"}}';
    },
    { what: 'the new diff-base in the status' },
  );
  await settle();
  expect(runs.created).toBe(1);
  expect(runs.diffs).toEqual([[['change', ['spec', 'field'], 'a', 'b']]]);
});

test('with status storages, a delete handler gets the finalizer and the deletion is handled', async () => {
  const ns = await scenario.namespace('status-delete');
  const registry = new kopf.Registry();
  const deleted: string[] = [];
  kopf.on.create(WITH_SUBRESOURCE, function created() {}, { registry });
  kopf.on.delete(
    WITH_SUBRESOURCE,
    function removed({ name }) {
      deleted.push(name);
    },
    { registry },
  );
  const op = scenario.start(registry, ns.name, STATUS_STORAGES);
  await createObjects(WITH_SUBRESOURCE, ns.name, ['one']);
  await waitForLine(op, 'Creation is processed: 1 succeeded; 0 failed.');
  await eventually(async () => {
    const object = await scenario.client.get(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
    return object.metadata?.finalizers?.includes('kopf.zalando.org/KopfFinalizerMarker');
  });
  await scenario.client.delete(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
  await eventually(
    async () => {
      try {
        await scenario.client.get(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
        return false;
      } catch {
        return true;
      }
    },
    { what: 'the object released and gone' },
  );
  expect(deleted).toEqual(['one']);
});

test('a diff-base too big for the annotations fits in the status (the advice of the 422 error holds)', async () => {
  const ns = await scenario.namespace('status-big');
  const { registry, runs } = changeHandlers(WITH_SUBRESOURCE);
  scenario.start(registry, ns.name, STATUS_STORAGES);
  const info = resourceOf(WITH_SUBRESOURCE);
  // About 300 KB of spec: as an annotation, more than all annotations of an object may hold (256 KB).
  const data = 'x'.repeat(300 * 1024);
  await scenario.client.create(info, ns.name, {
    apiVersion: `${info.group}/v1`,
    kind: info.kind,
    metadata: { name: 'big' },
    spec: { data },
  });
  await eventually(
    async () =>
      diffbaseIn(await scenario.client.get(info, ns.name, 'big')) === JSON.stringify({ spec: { data } }),
    { what: 'the big diff-base stored' },
  );
  expect(runs.created).toBe(1);
});

test('migrating from annotations: a list of both storages re-runs nothing, then the status alone takes over', async () => {
  const ns = await scenario.namespace('status-migrate');
  const { registry, runs } = changeHandlers(WITH_SUBRESOURCE);
  const annotated = scenario.start(registry, ns.name);
  await createObjects(WITH_SUBRESOURCE, ns.name, ['one']);
  await eventually(async () => {
    const object = await scenario.client.get(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
    return object.metadata?.annotations?.['kopf.zalando.org/last-handled-configuration'];
  });
  await annotated.stop();

  const both = scenario.start(registry, ns.name, {
    persistence: { diffbaseStorage: ['status', 'annotations'], progressStorage: 'status' },
  });
  await changeField(ns.name, 'one', 'b');
  // The log line comes before the cycle's PATCHes (the annotation on the object, then the status).
  const migrated = await eventually(
    async () => {
      const object = await scenario.client.get(resourceOf(WITH_SUBRESOURCE), ns.name, 'one');
      return diffbaseIn(object) === '{"spec":{"field":"b"}}' ? object : undefined;
    },
    { what: 'the update stored in both storages' },
  );
  expect((migrated.status as { kopf?: unknown }).kopf).toEqual({
    'last-handled-configuration': '{"spec":{"field":"b"}}',
  });
  expect(migrated.metadata?.annotations).toEqual({
    'kopf.zalando.org/last-handled-configuration': '{"spec":{"field":"b"}}\n',
  });
  await both.stop();

  const status = scenario.start(registry, ns.name, STATUS_STORAGES);
  await changeField(ns.name, 'one', 'c');
  await waitForLine(status, 'Updating is processed: 1 succeeded; 0 failed.');
  await settle();
  expect(runs.created).toBe(1);
  expect(runs.diffs).toEqual([
    [['change', ['spec', 'field'], 'a', 'b']],
    [['change', ['spec', 'field'], 'b', 'c']],
  ]);
});
