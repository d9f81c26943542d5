/** The shared resource vocabulary against a real API server's discovery. */
import { describe, expect, test } from 'vitest';
import { BUILTIN_RESOURCE_LIST, BUILTIN_RESOURCES } from '../../common/builtins.ts';
import { qualifiedName, versionedName } from '../../common/resources.ts';
import { createApiClient, resolveResources } from '../../runtime/client/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { testCluster } from '../setup/cluster.ts';

const client = createApiClient(testCluster().kubeConfig(), makeSettings());

describe('the built-in resources table', () => {
  test('every row is served as declared, at the version the server prefers', async () => {
    // Unversioned: the server's preferred version; the row must name that one.
    const served = await resolveResources(client, BUILTIN_RESOURCE_LIST.map(qualifiedName));
    const strip = ({ group, version, plural, kind, namespaced, shortNames }: (typeof served)[number]) => ({
      group,
      version,
      plural,
      kind,
      namespaced,
      ...(shortNames?.length ? { shortNames } : {}),
    });
    expect(served.map(strip)).toEqual(BUILTIN_RESOURCE_LIST.map((row) => ({ ...row })));
  });
});

describe('every selector form resolves through discovery as the grammar says', () => {
  const pods = versionedName(BUILTIN_RESOURCES.pods);
  const deployments = versionedName(BUILTIN_RESOURCES['deployments.apps']);
  test.each([
    ['pods', pods],
    ['pod', pods],
    ['Pod', pods],
    ['po', pods],
    ['pods.v1', pods],
    ['v1/pods', pods],
    ['deploy', deployments],
    ['deployments.apps', deployments],
    ['deployments.v1.apps', deployments],
    ['apps/v1/deployments', deployments],
    ['apps/deployments', deployments],
    // The core group wins over events.k8s.io, as in kubectl and Kopf.
    ['events', versionedName(BUILTIN_RESOURCES.events)],
    ['events.events.k8s.io', versionedName(BUILTIN_RESOURCES['events.events.k8s.io'])],
    ['crd', versionedName(BUILTIN_RESOURCES['customresourcedefinitions.apiextensions.k8s.io'])],
  ])('%s', async (selector, expected) => {
    const [resolved] = await resolveResources(client, [selector]);
    expect(versionedName(resolved!)).toBe(expected);
  });
});
