/** Selector resolution over scripted discovery documents (the e2e tests use a real server's). */
import { describe, expect, test } from 'vitest';
import {
  discoverResources,
  resolveResource,
  ResourceResolutionError,
} from '../../runtime/client/discovery.ts';
import { ApiError } from '../../runtime/client/errors.ts';
import type { ApiClient } from '../../runtime/client/types.ts';

const documents: Record<string, unknown> = {
  '/api': { versions: ['v1'] },
  '/apis': {
    groups: [
      {
        name: 'a.example.com',
        versions: [{ version: 'v2' }, { version: 'v1' }],
        preferredVersion: { version: 'v2' },
      },
      { name: 'b.example.com', versions: [{ version: 'v1' }] },
      { name: 'gone.example.com', versions: [{ version: 'v1' }] },
    ],
  },
  '/api/v1': {
    resources: [{ name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap' }],
  },
  '/apis/a.example.com/v2': {
    resources: [
      {
        name: 'widgets',
        singularName: 'widget',
        namespaced: true,
        kind: 'Widget',
        shortNames: ['wd'],
        categories: ['toys'],
        verbs: ['list', 'watch', 'patch'],
      },
      { name: 'widgets/status', namespaced: true, kind: 'Widget' },
    ],
  },
  '/apis/a.example.com/v1': {
    resources: [{ name: 'widgets', singularName: 'widget', namespaced: true, kind: 'Widget' }],
  },
  '/apis/b.example.com/v1': {
    resources: [
      { name: 'widgets', singularName: 'widget', namespaced: false, kind: 'Widget' },
      { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap' },
    ],
  },
};

const client = {
  async request(_method: string, path: string) {
    if (path in documents) return documents[path];
    throw new ApiError({ status: 404, request: `GET ${path}`, body: { reason: 'NotFound' } });
  },
} as unknown as ApiClient;

describe('resolveResource', () => {
  test('an unversioned selector gets the preferred version, with subresources from discovery', async () => {
    expect(await resolveResource(client, 'widgets.a.example.com')).toEqual({
      group: 'a.example.com',
      version: 'v2',
      plural: 'widgets',
      kind: 'Widget',
      namespaced: true,
      subresources: { status: true, scale: false },
      singular: 'widget',
      shortNames: ['wd'],
      categories: ['toys'],
      verbs: ['list', 'watch', 'patch'],
    });
  });

  test('a versioned selector gets exactly that version', async () => {
    expect(await resolveResource(client, 'widgets.v1.a.example.com')).toMatchObject({
      version: 'v1',
      subresources: { status: false },
    });
  });

  test('a bare name served by several groups is ambiguous, and the error lists the candidates', async () => {
    await expect(resolveResource(client, 'widgets')).rejects.toThrow(
      "Resource 'widgets' is ambiguous: it matches widgets.v2.a.example.com, widgets.v1.b.example.com; add the group.",
    );
  });

  test('the core group hides same-named resources of other groups', async () => {
    expect(await resolveResource(client, 'configmaps')).toMatchObject({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
    });
  });

  test('short names and kinds resolve too', async () => {
    expect(await resolveResource(client, 'wd')).toMatchObject({ group: 'a.example.com', plural: 'widgets' });
    expect(await resolveResource(client, 'Widget.b.example.com')).toMatchObject({
      group: 'b.example.com',
      namespaced: false,
    });
  });

  test('a malformed selector is an unresolved one, named with the cause', async () => {
    await expect(resolveResource(client, 'widgets..example.com')).rejects.toThrow(ResourceResolutionError);
    await expect(resolveResource(client, 'widgets..example.com')).rejects.toThrow(
      "Resource selector 'widgets..example.com' is malformed: '.example.com' is not an API group.",
    );
  });

  test('a group-version that went away (404) counts as serving nothing', async () => {
    await expect(resolveResource(client, 'things.gone.example.com')).rejects.toThrow(
      /'things.gone.example.com' is not served/,
    );
  });
});

describe('discoverResources', () => {
  const names = async (query: Parameters<typeof discoverResources>[1]) =>
    (await discoverResources(client, query)).map((r) => `${r.plural}.${r.version}.${r.group}`);

  test('everything: the preferred version of every resource of every group (no subresources)', async () => {
    expect(await names({ everything: true })).toEqual([
      'configmaps.v1.',
      'widgets.v2.a.example.com',
      'widgets.v1.b.example.com',
      'configmaps.v1.b.example.com',
    ]);
  });

  test('a category selects its resources with their categories and verbs from discovery', async () => {
    expect(await discoverResources(client, { category: 'toys' })).toEqual([
      expect.objectContaining({
        group: 'a.example.com',
        version: 'v2',
        categories: ['toys'],
        verbs: ['list', 'watch', 'patch'],
      }),
    ]);
  });

  test('a predicate sees every version; a group narrows what is fetched', async () => {
    expect(await names({ where: (r) => r.kind === 'Widget', group: 'a.example.com' })).toEqual([
      'widgets.v2.a.example.com',
      'widgets.v1.a.example.com',
    ]);
  });

  test('a query that selects nothing is no error', async () => {
    expect(await names({ category: 'nothing' })).toEqual([]);
  });
});
