/**
 * Shared set-up of the admission e2e tests. Webhook configurations are cluster-wide, so each test
 * file serves a CRD of its own (nothing else in the suite creates those objects) and a managed
 * configuration of its own name; the bundled API server calls the operator's webhook server at
 * `https://127.0.0.1:<port>` — no tunnel.
 */
import {
  AdmissionregistrationV1Api,
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import {
  applyYaml,
  eventually,
  freshNamespace,
  waitForCrd,
  type TestNamespace,
} from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { crdYaml } from './operator-kit.ts';

export const GROUP = 'admission.kopf.dev';

/** A typed descriptor of a test CRD `<plural>.admission.kopf.dev` (any fields; status subresource). */
export function widgetResource(plural: string, kind: string) {
  return kopf.resource<{ field?: string; size?: number }, { phase?: string }>({
    group: GROUP,
    version: 'v1',
    plural,
    kind,
    namespaced: true,
  });
}

export async function installWidgetCrd(kc: KubeConfig, plural: string, kind: string): Promise<void> {
  await applyYaml(kc, crdYaml({ group: GROUP, plural, kind, scope: 'Namespaced' }));
  await waitForCrd(kc, `${plural}.${GROUP}`);
}

export interface AdmissionFixture {
  kc: KubeConfig;
  /** The test file's namespace (set before its tests run). */
  namespace: string;
  /** The name of the file's managed webhook configurations (deleted after its tests). */
  managed: string;
}

/**
 * The set-up of an admission test file: its CRD installed, a fresh namespace, and a managed
 * configuration name of its own — removed afterwards, whatever the tests left behind.
 */
export function admissionFixture(plural: string, kind: string, prefix: string): AdmissionFixture {
  const fixture: AdmissionFixture = {
    kc: testCluster().kubeConfig(),
    namespace: '',
    managed: `${prefix}-${randomBytes(4).toString('hex')}.kopf.dev`,
  };
  let ns: TestNamespace | undefined;
  beforeAll(async () => {
    await installWidgetCrd(fixture.kc, plural, kind);
    ns = await freshNamespace(fixture.kc, prefix);
    fixture.namespace = ns.name;
  });
  afterAll(async () => {
    await deleteManaged(fixture.kc, fixture.managed);
    await ns?.delete();
  });
  return fixture;
}

/** A webhook server on loopback with a random port and a generated certificate. */
export function loopbackServer(): kopf.WebhookServer {
  return new kopf.WebhookServer({ addr: '127.0.0.1' });
}

export function widget(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  labels: Record<string, string> = {},
): Record<string, unknown> {
  return { apiVersion: `${GROUP}/v1`, kind, metadata: { name, labels }, spec };
}

/** Create an object; resolves with the stored object or rejects with client-node's ApiException. */
export async function createWidget(
  kc: KubeConfig,
  namespace: string,
  plural: string,
  body: Record<string, unknown>,
  options: { dryRun?: 'All' } = {},
): Promise<{ object: Record<string, unknown>; warnings: string[] }> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const info = await api.createNamespacedCustomObjectWithHttpInfo({
    group: GROUP,
    version: 'v1',
    namespace,
    plural,
    body,
    ...options,
  });
  return { object: info.data as Record<string, unknown>, warnings: parseWarnings(info.headers['warning']) };
}

/** `Warning: 299 - "text"` headers (comma-joined when several) → the texts. */
function parseWarnings(header: string | undefined): string[] {
  return [...(header ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((match) =>
    match[1]!.replace(/\\(.)/g, '$1'),
  );
}

/** The rejection of an API call: status code and message (the webhook's message is inside). */
export async function rejection(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? (JSON.parse(error.body) as { message?: string }) : {};
      return { code: error.code, message: body.message ?? String(error.body) };
    }
    throw error;
  }
  throw new Error('The API call was admitted, but a rejection was expected.');
}

/** The webhooks of a managed configuration, or `undefined` if it does not exist. */
export async function managedWebhooks(
  kc: KubeConfig,
  kind: 'validating' | 'mutating',
  name: string,
): Promise<{ uid: string; names: string[]; urls: (string | undefined)[] } | undefined> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  try {
    const config =
      kind === 'validating'
        ? await api.readValidatingWebhookConfiguration({ name })
        : await api.readMutatingWebhookConfiguration({ name });
    const webhooks = config.webhooks ?? [];
    return {
      uid: config.metadata?.uid ?? '',
      names: webhooks.map((w) => w.name),
      urls: webhooks.map((w) => w.clientConfig.url),
    };
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

export async function deleteManaged(kc: KubeConfig, name: string): Promise<void> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  await api.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
  await api.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
}

/**
 * The API server picks up webhook configurations a moment after they are written: probe with a
 * dry-run create that a validating handler rejects until it is rejected.
 */
export async function waitUntilWebhooksActive(probe: () => Promise<unknown>): Promise<void> {
  await eventually(
    async () => {
      try {
        await probe();
        return false;
      } catch (error) {
        return error instanceof ApiException;
      }
    },
    { what: 'the webhook configuration to be active', timeoutMs: 30_000 },
  );
}
