/**
 * Answering AdmissionReviews: which handlers run, how their outcomes become the response. (The API
 * server sending real reviews is in test/e2e/admission-*.test.ts; these are the rules in detail.)
 */
import { describe, expect, it } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { buildWebhooks, webhookName } from '../../runtime/reactor/admission/managed.ts';
import { reviewAdmission, type ServedWebhook } from '../../runtime/reactor/admission/reviewing.ts';
import { configureLogging } from '../../runtime/structs/logging.ts';
import { WebhookRequestError, type AdmissionOperation } from '../../runtime/structs/reviews.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';

configureLogging({ write: () => undefined });

const EXAMPLES = kopf.resource<{ field?: string }, Record<string, unknown>>({
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
});

/** The registry's webhooks, served for the example resource. */
function served(registry: kopf.Registry): ServedWebhook[] {
  return registry.webhooks.map((handler) => ({ handler, resource: EXAMPLES }));
}

function review(
  options: {
    operation?: AdmissionOperation;
    subResource?: string;
    spec?: object;
    labels?: object;
    dryRun?: boolean;
  } = {},
) {
  const object = {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'ex1', ...(options.labels ? { labels: options.labels } : {}) },
    spec: options.spec ?? { field: 'value' },
  };
  const operation = options.operation ?? 'CREATE';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'uid-1',
      resource: { group: 'kopf.dev', version: 'v1', resource: 'kopfexamples' },
      ...(options.subResource ? { subResource: options.subResource } : {}),
      namespace: 'ns1',
      operation,
      userInfo: { username: 'admin' },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'CREATE' ? null : object,
      dryRun: options.dryRun ?? false,
    },
  };
}

async function answer(registry: kopf.Registry, body: unknown = review(), webhook?: string) {
  const result = await reviewAdmission(
    body,
    { headers: { 'user-agent': 'test' }, sslpeer: {}, webhook },
    { webhooks: served(registry), settings: makeSettings(), memo: {}, signal: new AbortController().signal },
  );
  return result.response;
}

describe('validating handlers', () => {
  it('all run for a request, and the first error by preference wins: AdmissionError before others', async () => {
    const registry = new kopf.Registry();
    const called: string[] = [];
    kopf.on.validate(
      EXAMPLES,
      function arbitrary() {
        called.push('arbitrary');
        throw new Error('boom');
      },
      { registry },
    );
    kopf.on.validate(
      EXAMPLES,
      function admission() {
        called.push('admission');
        throw new kopf.AdmissionError('Field is wrong.', { code: 422 });
      },
      { registry },
    );
    kopf.on.validate(
      EXAMPLES,
      function fine() {
        called.push('fine');
      },
      { registry },
    );
    const response = await answer(registry);
    expect(called.sort()).toEqual(['admission', 'arbitrary', 'fine']);
    expect(response).toMatchObject({
      uid: 'uid-1',
      allowed: false,
      status: { message: 'Field is wrong.', code: 422 },
    });
  });

  it('reject other errors with 500, unless the handler ignores its failures', async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(
      EXAMPLES,
      function failing() {
        throw new Error('boom');
      },
      { registry },
    );
    expect(await answer(registry)).toMatchObject({ allowed: false, status: { message: 'boom', code: 500 } });
    const lenient = new kopf.Registry();
    kopf.on.validate(
      EXAMPLES,
      function failing() {
        throw new Error('boom');
      },
      { registry: lenient, ignoreFailures: true },
    );
    expect(await answer(lenient)).toEqual({ uid: 'uid-1', allowed: true });
  });

  it('are cut shortly before their timeout when they hang, and answered per the failure policy', async () => {
    const registry = new kopf.Registry();
    kopf.on.validate(
      EXAMPLES,
      function hanging() {
        return new Promise(() => undefined);
      },
      { registry, timeout: 1 },
    );
    const response = await answer(registry);
    expect(response).toMatchObject({ allowed: false, status: { code: 500 } });
    expect(response.status?.message).toMatch(/Webhook 'hanging' timed out/);
  });

  it('get the request particulars and return warnings', async () => {
    const registry = new kopf.Registry();
    let seen: Record<string, unknown> = {};
    kopf.on.validate(
      EXAMPLES,
      function inspect({ dryrun, userinfo, headers, operation, namespace, spec, warnings }) {
        seen = { dryrun, userinfo, headers, operation, namespace, spec };
        warnings.push('Careful.');
      },
      { registry },
    );
    const response = await answer(registry, review({ dryRun: true }));
    expect(seen).toEqual({
      dryrun: true,
      userinfo: { username: 'admin' },
      headers: { 'user-agent': 'test' },
      operation: 'CREATE',
      namespace: 'ns1',
      spec: { field: 'value' },
    });
    expect(response.warnings).toEqual(['Careful.']);
  });

  it('are narrowed by the handler id of the URL, operations, subresources and filters', async () => {
    const registry = new kopf.Registry();
    const called: string[] = [];
    const track = (id: string) => () => void called.push(id);
    kopf.on.validate(EXAMPLES, track('any'), { registry, id: 'any' });
    kopf.on.validate(EXAMPLES, track('updates'), { registry, id: 'updates', operations: ['UPDATE'] });
    kopf.on.validate(EXAMPLES, track('status'), { registry, id: 'status', subresource: 'status' });
    kopf.on.validate(EXAMPLES, track('all'), { registry, id: 'all', subresource: '*' });
    kopf.on.validate(EXAMPLES, track('labelled'), { registry, id: 'labelled', labels: { app: 'x' } });
    const run = async (body: unknown, webhook?: string) => {
      called.length = 0;
      await answer(registry, body, webhook);
      return [...called].sort();
    };
    expect(await run(review())).toEqual(['all', 'any']);
    expect(await run(review({ operation: 'UPDATE' }))).toEqual(['all', 'any', 'updates']);
    expect(await run(review({ operation: 'UPDATE', subResource: 'status' }))).toEqual(['all', 'status']);
    expect(await run(review({ labels: { app: 'x' } }))).toEqual(['all', 'any', 'labelled']);
    expect(await run(review({ operation: 'UPDATE' }), 'updates')).toEqual(['updates']);
  });
});

describe('mutating handlers', () => {
  it("answer with a JSON-patch built from the handlers' merge-patches", async () => {
    const registry = new kopf.Registry();
    kopf.on.mutate(
      EXAMPLES,
      function defaults({ patch }) {
        patch.spec.field = 'defaulted';
        patch.metadata.labels['mutated'] = 'yes';
      },
      { registry },
    );
    const response = await answer(registry);
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString())).toEqual([
      { op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } },
      { op: 'add', path: '/spec/field', value: 'defaulted' },
    ]);
  });

  it('answer with the patch.fns changes after the merge-patch, computed on its result', async () => {
    const registry = new kopf.Registry();
    kopf.on.mutate(
      EXAMPLES,
      function defaults({ patch }) {
        patch.metadata.finalizers = ['example.com/a'];
        patch.fns.push((body) => {
          body.metadata.finalizers?.push('example.com/b');
        });
      },
      { registry },
    );
    const response = await answer(registry);
    expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString())).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: ['example.com/a'] },
      { op: 'replace', path: '/metadata/finalizers', value: ['example.com/a', 'example.com/b'] },
    ]);
  });

  it('are not called for deletions unless DELETE is their only operation', async () => {
    const registry = new kopf.Registry();
    const called: string[] = [];
    kopf.on.mutate(EXAMPLES, () => void called.push('any'), { registry, id: 'any' });
    kopf.on.mutate(EXAMPLES, () => void called.push('deletes'), {
      registry,
      id: 'deletes',
      operations: ['DELETE'],
    });
    await answer(registry, review({ operation: 'DELETE' }));
    expect(called).toEqual(['deletes']);
  });
});

describe('malformed reviews', () => {
  it.each([
    ['not an object', 'x'],
    ['without a request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['of another kind', { ...review(), kind: 'Pod' }],
    ['with an unknown operation', { ...review(), request: { ...review().request, operation: 'PATCH' } }],
    ['without objects', { ...review(), request: { ...review().request, object: null, oldObject: null } }],
    [
      'for a resource without handlers',
      {
        ...review(),
        request: { ...review().request, resource: { group: '', version: 'v1', resource: 'pods' } },
      },
    ],
  ])('are refused as bad requests: %s', async (_what, body) => {
    const registry = new kopf.Registry();
    kopf.on.validate(EXAMPLES, function fine() {}, { registry });
    await expect(answer(registry, body)).rejects.toBeInstanceOf(WebhookRequestError);
  });
});

describe('managed webhook configurations', () => {
  it("have one webhook per handler of the kind, with Kopf's conventions", () => {
    const registry = new kopf.Registry();
    kopf.on.validate(EXAMPLES, function check_spec() {}, {
      registry,
      operations: ['CREATE', 'UPDATE'],
      labels: { app: 'x', tier: kopf.PRESENT, old: kopf.ABSENT, dynamic: () => true },
      timeout: 10,
    });
    kopf.on.validate(EXAMPLES, function statusCheck() {}, {
      registry,
      subresource: 'status',
      ignoreFailures: true,
      sideEffects: true,
      persistent: true,
    });
    kopf.on.mutate(EXAMPLES, function defaults() {}, { registry });
    const clientConfig = { url: 'https://127.0.0.1:9443/hooks', caBundle: 'Q0E=' };
    const entries = buildWebhooks(served(registry), {
      reason: 'validating',
      suffix: 'auto.kopf.dev',
      clientConfig,
    });
    expect(entries).toEqual([
      {
        name: 'check-spec.auto.kopf.dev',
        sideEffects: 'None',
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        rules: [
          {
            apiGroups: ['kopf.dev'],
            apiVersions: ['v1'],
            resources: ['kopfexamples'],
            operations: ['CREATE', 'UPDATE'],
            scope: '*',
          },
        ],
        objectSelector: {
          matchExpressions: [
            { key: 'app', operator: 'In', values: ['x'] },
            { key: 'tier', operator: 'Exists' },
            { key: 'old', operator: 'DoesNotExist' },
          ],
        },
        clientConfig: { url: 'https://127.0.0.1:9443/hooks/check_spec', caBundle: 'Q0E=' },
        timeoutSeconds: 10,
        admissionReviewVersions: ['v1', 'v1beta1'],
      },
      expect.objectContaining({
        name: 'statuscheck.auto.kopf.dev',
        sideEffects: 'NoneOnDryRun',
        failurePolicy: 'Ignore',
        rules: [expect.objectContaining({ resources: ['kopfexamples/status'], operations: ['*'] })],
        timeoutSeconds: 30,
      }),
    ]);
    const persistent = buildWebhooks(served(registry), {
      reason: 'validating',
      suffix: 'auto.kopf.dev',
      clientConfig,
      persistentOnly: true,
    });
    expect(persistent.map((entry) => entry.name)).toEqual(['statuscheck.auto.kopf.dev']);
    const service = { service: { name: 'op', namespace: 'ops', port: 443, path: '/hooks' } };
    expect(
      buildWebhooks(served(registry), { reason: 'mutating', suffix: 'm', clientConfig: service })[0]
        ?.clientConfig,
    ).toEqual({ service: { name: 'op', namespace: 'ops', port: 443, path: '/hooks/defaults' } });
  });

  it('scope the webhooks to the namespaces an operator serves by name, and only then', () => {
    const registry = new kopf.Registry();
    kopf.on.validate(EXAMPLES, function check() {}, { registry });
    const build = (namespaces: string[] | undefined) =>
      buildWebhooks(served(registry), {
        reason: 'validating',
        suffix: 's',
        clientConfig: { url: 'https://127.0.0.1:9443' },
        namespaces,
      })[0]?.namespaceSelector;
    expect(build(['team-b', ' team-a', 'team-b'])).toEqual({
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['team-a', 'team-b'] },
      ],
    });
    expect(build(undefined)).toBeUndefined();
    expect(build(['team-a', 'dev-*'])).toBeUndefined();
    expect(build(['team-a,team-b'])).toBeUndefined();
  });

  it('name webhooks as Kubernetes accepts them', () => {
    expect(webhookName('parent/child_fn', 'x.kopf.dev')).toBe('parent.child-fn.x.kopf.dev');
    expect(webhookName('a b', '')).toBe('a20b');
  });
});
