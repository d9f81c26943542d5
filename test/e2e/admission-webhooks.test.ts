/**
 * Validating and mutating webhooks called by the real API server: one operator serves them through
 * a managed configuration, the tests make API requests as a client would and check what the client
 * sees and what is stored.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { eventually } from '../../runtime/testing/index.ts';
import {
  GROUP,
  admissionFixture,
  createWidget,
  loopbackServer,
  rejection,
  waitUntilWebhooksActive,
  widget,
  widgetResource,
} from './admission-kit.ts';
import { runOperator, type InProcessOperator } from './operator-kit.ts';

const PLURAL = 'widgets';
const KIND = 'Widget';
const WIDGETS = widgetResource(PLURAL, KIND);

const fixture = admissionFixture(PLURAL, KIND, 'admission');
const { kc } = fixture;
let operator: InProcessOperator;
/** What the handlers saw, per object name. */
const dryruns = new Map<string, boolean[]>();
const updatesOnly: string[] = [];
const statusCalls: { name: string; operation: string; subresource: string | undefined }[] = [];

beforeAll(async () => {
  const registry = new kopf.Registry();
  kopf.on.validate(
    WIDGETS,
    function rejectWrong({ spec }) {
      if (spec.field === 'wrong')
        throw new kopf.AdmissionError("Field 'wrong' is not allowed.", { code: 422 });
    },
    { registry },
  );
  kopf.on.validate(
    WIDGETS,
    function warnBig({ spec, warnings }) {
      if ((spec.size ?? 0) > 10) warnings.push(`Size ${spec.size} is big.`);
    },
    { registry },
  );
  kopf.on.validate(
    WIDGETS,
    function seeDryrun({ name, dryrun }) {
      dryruns.set(name, [...(dryruns.get(name) ?? []), dryrun]);
    },
    { registry, sideEffects: true },
  );
  kopf.on.validate(
    WIDGETS,
    function onUpdates({ name }) {
      updatesOnly.push(name);
    },
    { registry, operations: ['UPDATE'] },
  );
  kopf.on.validate(
    WIDGETS,
    function onStatus({ name, operation, subresource }) {
      statusCalls.push({ name, operation, subresource });
    },
    { registry, subresource: 'status' },
  );
  kopf.on.mutate(
    WIDGETS,
    function defaults({ spec, patch }) {
      if (spec.field === undefined) patch.spec.field = 'default';
      patch.metadata.labels['mutated'] = 'yes';
    },
    { registry },
  );
  operator = runOperator(kc, {
    registry,
    namespaces: [fixture.namespace],
    settings: { admission: { server: loopbackServer(), managed: fixture.managed } },
  });
  await waitUntilWebhooksActive(() =>
    createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'probe', { field: 'wrong' }), { dryRun: 'All' }),
  );
});

afterAll(async () => {
  await operator?.stop();
});

describe('validating webhooks', () => {
  it("reject a create that violates a validator, with the handler's message and code", async () => {
    const rejected = await rejection(
      createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'wrong1', { field: 'wrong' })),
    );
    expect(rejected.code).toBe(422);
    expect(rejected.message).toContain("Field 'wrong' is not allowed.");
    expect(rejected.message).toContain(`rejectwrong.${fixture.managed}`);
  });

  it('return warnings to the client', async () => {
    const { warnings } = await createWidget(
      kc,
      fixture.namespace,
      PLURAL,
      widget(KIND, 'big1', { field: 'x', size: 99 }),
    );
    expect(warnings).toContain('Size 99 is big.');
  });

  it('see dry-run requests as dryrun: true', async () => {
    await createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'dry1', { field: 'x' }), {
      dryRun: 'All',
    });
    expect(dryruns.get('dry1')).toEqual([true]);
    await createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'wet1', { field: 'x' }));
    expect(dryruns.get('wet1')).toEqual([false]);
  });

  it('with operations UPDATE are not called on create, and are called on update', async () => {
    await createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'upd1', { field: 'x' }));
    expect(updatesOnly).not.toContain('upd1');
    await patchWidget('upd1', { spec: { field: 'y' } });
    expect(updatesOnly).toContain('upd1');
  });

  it('for the status subresource are called on status patches only', async () => {
    await createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'st1', { field: 'x' }));
    await patchWidget('st1', { spec: { field: 'z' } });
    expect(statusCalls.filter((c) => c.name === 'st1')).toEqual([]);
    await patchWidget('st1', { status: { phase: 'Ready' } }, 'status');
    expect(statusCalls.filter((c) => c.name === 'st1')).toEqual([
      { name: 'st1', operation: 'UPDATE', subresource: 'status' },
    ]);
  });
});

describe('mutating webhooks', () => {
  it('default a field and add a label, and the stored object has both', async () => {
    const { object } = await createWidget(kc, fixture.namespace, PLURAL, widget(KIND, 'mut1', { size: 1 }));
    expect(object).toMatchObject({
      spec: { field: 'default', size: 1 },
      metadata: { labels: { mutated: 'yes' } },
    });
    const stored = await eventually(async () =>
      kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
        group: GROUP,
        version: 'v1',
        namespace: fixture.namespace,
        plural: PLURAL,
        name: 'mut1',
      }),
    );
    expect(stored).toMatchObject({ spec: { field: 'default' }, metadata: { labels: { mutated: 'yes' } } });
  });
});

async function patchWidget(name: string, body: object, subresource?: 'status'): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const params = { group: GROUP, version: 'v1', namespace: fixture.namespace, plural: PLURAL, name, body };
  const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  if (subresource) await api.patchNamespacedCustomObjectStatus(params, options);
  else await api.patchNamespacedCustomObject(params, options);
}
