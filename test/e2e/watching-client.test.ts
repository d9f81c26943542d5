/** The API client against a real API server: CRUD, patch content types, status subresource, errors, discovery. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createApiClient,
  isApiError,
  resolveResource,
  type ClosableApiClient,
} from '../../runtime/client/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { freshNamespace, serviceAccountKubeConfig, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { EXAMPLES as example, installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const settings = makeSettings({ networking: { errorBackoffs: [0.1, 0.1] } });

let client: ClosableApiClient;
let ns: TestNamespace;

beforeAll(async () => {
  await installCrd(kc);
  client = createApiClient(kc, settings);
  ns = await freshNamespace(kc, 'client');
});
afterAll(async () => {
  await ns?.delete();
  client?.close();
});

describe('the API client', () => {
  test('creates, gets, lists, merge-patches body and status, JSON-patches, and deletes an object', async () => {
    const created = await client.create(example, ns.name, {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name: 'one' },
      spec: { field: 'a' },
    });
    expect(created.metadata?.uid).toBeTruthy();

    const listed = await client.list(example, ns.name);
    expect(listed.items.map((o) => o.metadata?.name)).toEqual(['one']);
    expect(listed.items[0]).toMatchObject({ kind: 'KopfExample', apiVersion: 'kopf.dev/v1' });
    expect(listed.resourceVersion).toMatch(/^\d+$/);

    const patched = await client.patch(example, ns.name, 'one', {
      spec: { field: 'b' },
      status: { ignored: true },
    });
    expect(patched?.spec).toEqual({ field: 'b' });
    expect(patched?.status).toBeUndefined(); // the status subresource ignores status in body patches

    const statused = await client.patch(
      example,
      ns.name,
      'one',
      { status: { phase: 'done' } },
      { subresource: 'status' },
    );
    expect(statused?.status).toEqual({ phase: 'done' });

    const jsonPatched = await client.patch(
      example,
      ns.name,
      'one',
      [{ op: 'add', path: '/metadata/finalizers', value: ['example.com/x'] }],
      { type: 'json' },
    );
    expect(jsonPatched?.metadata?.finalizers).toEqual(['example.com/x']);
    await client.patch(example, ns.name, 'one', [{ op: 'remove', path: '/metadata/finalizers' }], {
      type: 'json',
    });

    await client.delete(example, ns.name, 'one');
    const error = await client.get(example, ns.name, 'one').catch((e: unknown) => e);
    expect(isApiError(error, 404)).toBe(true);
  });

  test('metadata-only lists and watches of a custom resource bring labels and owners, not the spec', async () => {
    const created = await client.create(example, ns.name, {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name: 'meta', labels: { app: 'x' } },
      spec: { big: 'x'.repeat(1000) },
    });
    const listed = await client.list(example, ns.name, { metadataOnly: true, labelSelector: 'app=x' });
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]?.metadata).toMatchObject({ name: 'meta', labels: { app: 'x' } });
    expect(listed.items[0]?.spec).toBeUndefined();

    const watching = new AbortController();
    const events = client.watch(example, ns.name, {
      resourceVersion: listed.resourceVersion,
      metadataOnly: true,
      signal: watching.signal,
    });
    await client.patch(example, ns.name, 'meta', { metadata: { labels: { app: 'y' } } });
    for await (const event of events) {
      if (event.type !== 'MODIFIED') continue;
      expect(event.object.kind).toBe('PartialObjectMetadata');
      expect(event.object.metadata).toMatchObject({ uid: created.metadata?.uid, labels: { app: 'y' } });
      expect(event.object.spec).toBeUndefined();
      break;
    }
    watching.abort();
    await client.delete(example, ns.name, 'meta');
  });

  test('patching an object that does not exist resolves to undefined', async () => {
    expect(await client.patch(example, ns.name, 'missing', { spec: { x: 1 } })).toBeUndefined();
  });

  test('a forbidden request throws an ApiError naming the request, without retrying', async () => {
    const saKc = await serviceAccountKubeConfig(kc, ns.name, 'nobody');
    // A retry would first wait 30 s: a quick answer is one without retries, even on a busy machine.
    const weak = createApiClient(saKc, makeSettings({ networking: { errorBackoffs: [30] } }));
    const began = Date.now();
    const error = await weak.list(example, ns.name).catch((e: unknown) => e);
    weak.close();
    expect(isApiError(error, 403)).toBe(true);
    expect((error as Error).message).toContain(`GET /apis/kopf.dev/v1/namespaces/${ns.name}/kopfexamples`);
    expect((error as { reason?: string }).reason).toBe('Forbidden');
    expect(Date.now() - began).toBeLessThan(15_000);
  });
});

describe('resource discovery', () => {
  test.each([
    ['kopfexamples.kopf.dev'],
    ['kopfexamples.v1.kopf.dev'],
    ['kopfexamples'],
    ['kopfexample'],
    ['kex'],
    ['KopfExample'],
  ])('resolves %s to the full descriptor', async (selector) => {
    expect(await resolveResource(client, selector)).toMatchObject({ ...example, singular: 'kopfexample' });
  });

  test('resolves core and grouped built-ins; the core group hides same-named resources of other groups', async () => {
    expect(await resolveResource(client, 'pods')).toMatchObject({
      group: '',
      version: 'v1',
      kind: 'Pod',
      namespaced: true,
    });
    expect(await resolveResource(client, 'deployments.apps')).toMatchObject({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
    });
    expect(await resolveResource(client, 'events')).toMatchObject({ group: '', kind: 'Event' });
    expect(await resolveResource(client, 'events.events.k8s.io')).toMatchObject({ group: 'events.k8s.io' });
    expect(await resolveResource(client, 'namespaces')).toMatchObject({
      namespaced: false,
      subresources: { status: true },
    });
  });

  test('a descriptor is verified and gets its subresources filled in', async () => {
    const { subresources: _s, ...bare } = example;
    expect(await resolveResource(client, bare)).toMatchObject({ subresources: { status: true } });
  });

  test('a missing or misspelled resource is an error that names the selector', async () => {
    await expect(resolveResource(client, 'kopfexamplez.kopf.dev')).rejects.toThrow(
      /'kopfexamplez.kopf.dev' is not served/,
    );
    await expect(resolveResource(client, { ...example, version: 'v9' })).rejects.toThrow(
      /kopfexamples.v9.kopf.dev is not served/,
    );
  });
});
