/**
 * Credentials returned by `kopf.on.login` handlers (Kopf's `ConnectionInfo`) and their translation
 * into what the API client reads (a {@link KubeConfigLike}) — without loading client-node, which only
 * {@link kubeConfigFromConnection} (for users of client-node's API classes) needs.
 */
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { LoginError } from '../client/errors.ts';
import {
  kubeConfigFromEntries,
  newClientNodeKubeConfig,
  type ClusterEntry,
  type KubeConfigLike,
  type UserEntry,
} from '../client/kubeconfig.ts';
import { getLogger } from '../structs/logging.ts';

/**
 * Where and how to connect. PEM data may be given as PEM text or base64-encoded PEM (as in a
 * kubeconfig's `*-data` fields).
 */
export interface ConnectionInfo {
  /** The API server's URL, e.g. `https://10.0.0.1:6443`. */
  server: string;
  /** The CA bundle to verify the server with (PEM or base64 PEM). */
  caData?: string;
  /** A file with the CA bundle. */
  caPath?: string;
  /** Skip TLS verification of the server. */
  insecure?: boolean;
  /** An HTTP proxy to reach the server through (a kubeconfig cluster's `proxy-url`). */
  proxyUrl?: string;
  /** A bearer token. */
  token?: string;
  username?: string;
  password?: string;
  /** A client certificate (PEM or base64 PEM) and its private key. */
  certificateData?: string;
  certificatePath?: string;
  privateKeyData?: string;
  privateKeyPath?: string;
  /** The namespace for objects without one (e.g. Events about cluster-scoped objects). */
  defaultNamespace?: string;
  /** Among several login results, the highest priority is used (default 0). */
  priority?: number;
  /**
   * When these credentials stop being valid: the login handlers run again once it has passed (noticed
   * when the client re-reads its credentials: at least every minute). They also run again whenever the
   * API server rejects the credentials (401).
   */
  expiration?: Date;
}

/** PEM text or base64 PEM → base64 PEM (what client-node's `*Data` fields expect). */
function base64Pem(data: string): string {
  return data.includes('-----BEGIN') ? Buffer.from(data, 'utf8').toString('base64') : data.trim();
}

/** A client-node KubeConfig with one context made of these credentials (this loads client-node). */
export function kubeConfigFromConnection(info: ConnectionInfo): KubeConfig {
  const kc = newClientNodeKubeConfig();
  const { cluster, user } = kubeconfigEntries(info);
  kc.loadFromString(
    JSON.stringify({
      clusters: [{ name: 'kopf-login', cluster }],
      users: [{ name: 'kopf-login', user }],
      contexts: [
        {
          name: 'kopf-login',
          context: {
            cluster: 'kopf-login',
            user: 'kopf-login',
            ...(info.defaultNamespace ? { namespace: info.defaultNamespace } : {}),
          },
        },
      ],
      'current-context': 'kopf-login',
    }),
  );
  return kc;
}

/** How many rejected credentials are remembered, so that the login handlers cannot hand them back. */
const INVALID_HISTORY = 3;

/**
 * The credentials of login handlers (Kopf's vault of one). The login handlers run again when the
 * credentials have expired (noticed at the next read: at least every minute) and when the API server
 * rejected them (401, via {@link invalidate}); concurrent 401s cause one re-login (the client reads
 * its credentials once at a time). Credentials once rejected are never used again: when the login
 * handlers give only those, there are no valid credentials left — a {@link LoginError}, reported to
 * `onFailure` (the operator stops with it) rather than a loop of logins and 401s.
 */
export class LoginKubeConfig implements KubeConfigLike {
  #info: ConnectionInfo;
  #current: KubeConfigLike;
  #rejected = false;
  readonly #invalid: string[] = [];
  readonly #relogin: () => Promise<ConnectionInfo>;
  /** Told when no valid credentials are left. */
  onFailure: ((error: LoginError) => void) | undefined;

  constructor(info: ConnectionInfo, relogin: () => Promise<ConnectionInfo>) {
    this.#info = info;
    this.#current = fromConnection(info);
    this.#relogin = relogin;
  }

  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null {
    return this.#current.getCurrentCluster();
  }

  invalidate(): void {
    if (this.#rejected) return;
    this.#rejected = true;
    this.#invalid.push(credentialsKey(this.#info));
    this.#invalid.splice(0, this.#invalid.length - INVALID_HISTORY);
  }

  async applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const expiration = this.#info.expiration;
    if (this.#rejected || (expiration && expiration.getTime() <= Date.now())) {
      const rejected = this.#rejected;
      if (rejected)
        getLogger('kopf.activities').info('The credentials were rejected (401): logging in again.');
      const info = await this.#relogin();
      if (this.#invalid.includes(credentialsKey(info))) {
        const error = new LoginError(
          `Ran out of valid credentials: the login handlers (kopf.on.login) gave again the credentials ` +
            `for ${info.server} that the API server rejected (401 Unauthorized). Make them return new ` +
            'credentials (or fix what they read them from).',
        );
        this.onFailure?.(error);
        throw error;
      }
      this.#info = info;
      this.#current = fromConnection(info);
      this.#rejected = false;
    }
    await this.#current.applyToHTTPSOptions(options);
  }
}

/** What makes credentials the same: the server and the user's secrets (not priority, not expiration). */
function credentialsKey(info: ConnectionInfo): string {
  return JSON.stringify(kubeconfigEntries(info));
}

function fromConnection(info: ConnectionInfo): KubeConfigLike {
  const { cluster, user } = kubeconfigEntries(info);
  return kubeConfigFromEntries(cluster, user);
}

/** Kopf's ConnectionInfo in a kubeconfig's terms (the fields kubectl writes). */
function kubeconfigEntries(info: ConnectionInfo): { cluster: ClusterEntry; user: UserEntry } {
  const cluster: ClusterEntry = {
    server: info.server,
    'insecure-skip-tls-verify': info.insecure ?? false,
    ...(info.caData ? { 'certificate-authority-data': base64Pem(info.caData) } : {}),
    ...(info.caPath ? { 'certificate-authority': info.caPath } : {}),
    ...(info.proxyUrl ? { 'proxy-url': info.proxyUrl } : {}),
  };
  const user: UserEntry = {
    ...(info.token ? { token: info.token } : {}),
    ...(info.username ? { username: info.username } : {}),
    ...(info.password ? { password: info.password } : {}),
    ...(info.certificateData ? { 'client-certificate-data': base64Pem(info.certificateData) } : {}),
    ...(info.certificatePath ? { 'client-certificate': info.certificatePath } : {}),
    ...(info.privateKeyData ? { 'client-key-data': base64Pem(info.privateKeyData) } : {}),
    ...(info.privateKeyPath ? { 'client-key': info.privateKeyPath } : {}),
  };
  return { cluster, user };
}

/** The best of several login results: the highest `priority` (the first among equals). */
export function bestConnection(results: Iterable<unknown>): ConnectionInfo | undefined {
  let best: ConnectionInfo | undefined;
  for (const result of results) {
    if (!isConnectionInfo(result)) continue;
    if (!best || (result.priority ?? 0) > (best.priority ?? 0)) best = result;
  }
  return best;
}

function isConnectionInfo(value: unknown): value is ConnectionInfo {
  return (
    typeof value === 'object' && value !== null && typeof (value as { server?: unknown }).server === 'string'
  );
}
