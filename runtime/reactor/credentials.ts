/**
 * Credentials returned by `kopf.on.login` handlers (Kopf's `ConnectionInfo`) and their translation
 * into a client-node KubeConfig, which the API client already knows how to use.
 */
import { KubeConfig } from '@kubernetes/client-node';

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
   * when the client re-reads its credentials: at least every minute, and after a 401).
   */
  expiration?: Date;
}

/** PEM text or base64 PEM → base64 PEM (what client-node's `*Data` fields expect). */
function base64Pem(data: string): string {
  return data.includes('-----BEGIN') ? Buffer.from(data, 'utf8').toString('base64') : data.trim();
}

/** A KubeConfig with one context made of these credentials. */
export function kubeConfigFromConnection(info: ConnectionInfo): KubeConfig {
  const kc = new KubeConfig();
  loadConnection(kc, info);
  return kc;
}

type HttpsOptions = Parameters<KubeConfig['applyToHTTPSOptions']>[0];

/**
 * The KubeConfig of login handlers' credentials: when they have expired, the next time the client
 * reads them it logs in again (runs the login handlers) and uses the new credentials.
 */
export class LoginKubeConfig extends KubeConfig {
  #info: ConnectionInfo;
  readonly #relogin: () => Promise<ConnectionInfo>;

  constructor(info: ConnectionInfo, relogin: () => Promise<ConnectionInfo>) {
    super();
    this.#info = info;
    this.#relogin = relogin;
    loadConnection(this, info);
  }

  override async applyToHTTPSOptions(options: HttpsOptions): Promise<void> {
    const expiration = this.#info.expiration;
    if (expiration && expiration.getTime() <= Date.now()) {
      this.#info = await this.#relogin();
      loadConnection(this, this.#info);
    }
    await super.applyToHTTPSOptions(options);
  }
}

function loadConnection(kc: KubeConfig, info: ConnectionInfo): void {
  kc.loadFromOptions({
    clusters: [
      {
        name: 'kopf-login',
        server: info.server,
        skipTLSVerify: info.insecure ?? false,
        ...(info.caData ? { caData: base64Pem(info.caData) } : {}),
        ...(info.caPath ? { caFile: info.caPath } : {}),
      },
    ],
    users: [
      {
        name: 'kopf-login',
        ...(info.token ? { token: info.token } : {}),
        ...(info.username ? { username: info.username } : {}),
        ...(info.password ? { password: info.password } : {}),
        ...(info.certificateData ? { certData: base64Pem(info.certificateData) } : {}),
        ...(info.certificatePath ? { certFile: info.certificatePath } : {}),
        ...(info.privateKeyData ? { keyData: base64Pem(info.privateKeyData) } : {}),
        ...(info.privateKeyPath ? { keyFile: info.privateKeyPath } : {}),
      },
    ],
    contexts: [
      {
        name: 'kopf-login',
        cluster: 'kopf-login',
        user: 'kopf-login',
        ...(info.defaultNamespace ? { namespace: info.defaultNamespace } : {}),
      },
    ],
    currentContext: 'kopf-login',
  });
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
