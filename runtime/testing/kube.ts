/** Small helpers for tests against a real API server: apply YAML, fresh namespaces, ServiceAccount identities. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KubeConfig, KubernetesObject as ClientObject } from '@kubernetes/client-node';
import { clientNode, newClientNodeKubeConfig } from '../client/kubeconfig.ts';

/**
 * Create or update every object of a YAML text (multi-document; empty documents are skipped) with
 * server-side apply, in order. Returns the applied objects as the server stored them.
 */
export async function applyYaml(
  kc: KubeConfig,
  yamlText: string,
  options: { namespace?: string } = {},
): Promise<ClientObject[]> {
  const api = kc.makeApiClient(scopeAwareObjectApi());
  const documents = (clientNode().loadAllYaml(yamlText) as Array<ClientObject | null>).filter(
    (d): d is ClientObject => !!d,
  );
  const applied: ClientObject[] = [];
  for (const doc of documents) {
    if (options.namespace && !doc.metadata?.namespace && (await api.isNamespaced(doc))) {
      doc.metadata = { ...doc.metadata, namespace: options.namespace };
    }
    applied.push(
      await api.patch(doc, undefined, undefined, 'kopf-ts-testing', true, 'application/apply-patch+yaml'),
    );
  }
  return applied;
}

/** {@link applyYaml} for a file. */
export function applyYamlFile(
  kc: KubeConfig,
  file: string,
  options: { namespace?: string } = {},
): Promise<ClientObject[]> {
  return applyYaml(kc, readFileSync(file, 'utf8'), options);
}

/**
 * client-node resolves (and caches) resource scopes through discovery; we only need to ask it. The
 * class is made on first use: importing the runtime (which re-exports this kit) must not load client-node.
 */
const scopeAwareObjectApi = once(
  () =>
    class ScopeAwareObjectApi extends clientNode().KubernetesObjectApi {
      async isNamespaced(doc: ClientObject): Promise<boolean> {
        const resource = await this.resource(doc.apiVersion ?? 'v1', doc.kind ?? '');
        return resource?.namespaced ?? false;
      }
    },
);

function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Wait until a CRD is Established, so its objects can be created right away. */
export async function waitForCrd(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<void> {
  const api = clientNode().KubernetesObjectApi.makeApiClient(kc);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const crd = (await api.read({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name },
      })) as ClientObject & { status?: { conditions?: Array<{ type: string; status: string }> } };
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A namespace of its own for one test, with a helper to delete it afterwards. */
export interface TestNamespace {
  name: string;
  /** Delete the namespace (does not wait; the namespace controller finalizes it in the background). */
  delete(): Promise<void>;
}

/** Create a namespace with a unique name (`<prefix>-<random>`). */
export async function freshNamespace(kc: KubeConfig, prefix = 'test'): Promise<TestNamespace> {
  const core = kc.makeApiClient(clientNode().CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString('hex')}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    delete: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}

/**
 * A KubeConfig that authenticates as a ServiceAccount with a token from the TokenRequest API — exactly
 * how an operator runs in a cluster — so a test exercises only the permissions its RBAC grants.
 * The ServiceAccount is created if it does not exist.
 */
export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
  options: { expirationSeconds?: number } = {},
): Promise<KubeConfig> {
  const core = admin.makeApiClient(clientNode().CoreV1Api);
  await core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
  const request = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin KubeConfig has no current cluster');
  const kc = newClientNodeKubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: 'local' }],
    users: [{ name: serviceAccount, token }],
    contexts: [{ name: 'sa', cluster: 'local', user: serviceAccount, namespace }],
    currentContext: 'sa',
  });
  return kc;
}

/** Poll `probe` until it returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${options.what ?? 'a condition'}${lastError ? `; last error: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}
