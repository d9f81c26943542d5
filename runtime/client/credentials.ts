/**
 * Where and how to connect, taken from a kubeconfig (kubeconfig.ts; client-node only for auth plugins).
 * Credentials are cached and re-read when they may have changed:
 * periodically (rotated service-account tokens, exec plugins) and on demand after a 401 (which, for
 * the credentials of login handlers, runs those again: reactor/credentials.ts).
 */
import type { Agent } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { http2Sessions, type Http2Sessions } from './http2.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import { getLogger } from '../structs/logging.ts';
import { http } from '../structs/node-http.ts';
import { proxyFor, tunnelingAgent, type TunnelTls } from './proxies.ts';

/** Everything needed to send one request to the API server. */
export interface Connection {
  /** Server URL without a trailing slash, e.g. `https://127.0.0.1:6443`. */
  server: string;
  /** For ordinary requests: a bounded pool of kept-alive connections. */
  agent: Agent;
  /** For watches, which hold a connection each for as long as they run: unbounded. */
  watchAgent: Agent;
  /** HTTPS only: HTTP/2 sessions (used with `settings.networking.http2`, if the server negotiates h2). */
  http2: Http2Sessions | undefined;
  secure: boolean;
  headers: Record<string, string>;
  servername?: string;
}

/** Re-read credentials at least this often: in-cluster tokens rotate, exec plugins issue short tokens. */
const REFRESH_SECONDS = 60;

/**
 * Idle kept-alive connections are closed after this long, before servers drop them on their side
 * (a request on a connection the server is closing fails). Agents only apply it to idle sockets.
 */
const IDLE_SOCKET_SECONDS = 30;

/**
 * Concurrent connections for ordinary requests. Bursts (hundreds of objects patched at once) queue
 * on a few warm connections instead of opening a TLS connection each: in the benchmark, 16 pooled
 * connections with one shared TLS context cut the p99 latency by a third and the CPU per object.
 */
const REQUEST_SOCKETS = 16;

/** A cache of the current {@link Connection}, refreshed periodically and on {@link invalidate}. */
export interface CredentialsCache {
  get(): Promise<Connection>;
  /**
   * The API server rejected `failed` (a 401): the next {@link get} gets new credentials. Concurrent
   * requests rejected with the same connection invalidate it once; a connection already replaced is
   * not invalidated again (its replacement may be good).
   */
  invalidate(failed: Connection): void;
  /** Close all connections (the cache stays usable: new ones are opened on demand). */
  close(): void;
}

/**
 * Send with the current credentials; on a 401, renew them once (re-read them, or run the login
 * handlers again) and send again. The second answer is returned whatever it is. `label` names the
 * request in the log line; `discard` releases a rejected answer that is not returned (a stream).
 */
export async function sendRenewingOnce<Answer extends { status: number }>(
  credentials: CredentialsCache,
  label: string,
  sendWith: (connection: Connection) => Promise<Answer>,
  discard?: (answer: Answer) => void,
): Promise<Answer> {
  for (let renewed = false; ; renewed = true) {
    const connection = await credentials.get();
    const answer = await sendWith(connection);
    if (answer.status !== 401 || renewed) return answer;
    discard?.(answer);
    getLogger('kopf.clients').warning(
      `${label} was unauthorized (401); renewing the credentials and retrying.`,
    );
    credentials.invalidate(connection);
  }
}

/**
 * `trustEnv` says whether proxies of the environment count (`networking.trustEnv`, read at every
 * (re)load of the credentials).
 */
export function credentialsCache(kubeConfig: KubeConfigLike, trustEnv: () => boolean): CredentialsCache {
  const proxyOf = (cluster: { server: string; proxyUrl?: string }) =>
    proxyFor(cluster.server, cluster.proxyUrl, trustEnv() ? process.env : {});
  let current: { connection: Connection; tlsKey: string; loadedAt: number; invalid?: boolean } | undefined;
  let loading: Promise<Connection> | undefined;
  // A proxy setting that cannot work fails here, at the start, rather than at every request.
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster) proxyOf(cluster);

  async function load(): Promise<Connection> {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster (no current-context?)');
    const options: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    // client-node created an agent of its own; we keep ours (pooled, reused across refreshes).
    const secure = cluster.server.startsWith('https:');
    const proxy = proxyOf(cluster);
    const tlsKey = [
      options.ca,
      options.cert,
      options.key,
      options.rejectUnauthorized,
      options.servername,
      proxy,
    ]
      .map((part) => (Buffer.isBuffer(part) ? part.toString('base64') : String(part)))
      .join('|');
    const reuse = current && current.tlsKey === tlsKey ? current.connection : undefined;
    if (!reuse && proxy)
      getLogger('kopf.clients').info(`Connecting to ${cluster.server} through the proxy ${proxy.host}.`);
    const agents = reuse ?? makeAgents(secure, options, cluster.server, proxy);
    if (current && !reuse) destroyAgents(current.connection);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (options.auth) headers['Authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const connection: Connection = {
      server: cluster.server.replace(/\/+$/, ''),
      agent: agents.agent,
      watchAgent: agents.watchAgent,
      http2: agents.http2,
      secure,
      headers,
      ...(options.servername ? { servername: options.servername } : {}),
    };
    current = { connection, tlsKey, loadedAt: Date.now() };
    return connection;
  }

  return {
    get() {
      if (current && !current.invalid && Date.now() - current.loadedAt < REFRESH_SECONDS * 1000)
        return Promise.resolve(current.connection);
      loading ??= load().finally(() => (loading = undefined));
      return loading;
    },
    invalidate(failed) {
      if (!current || current.connection !== failed || current.invalid) return;
      current.invalid = true;
      kubeConfig.invalidate?.();
    },
    close() {
      if (current) destroyAgents(current.connection);
    },
  };
}

/**
 * Two agents and the HTTP/2 sessions sharing one TLS context (parsing the CA and key once, not per
 * connection); through a proxy, both agents tunnel (proxies.ts) and HTTP/2 is not used.
 */
function makeAgents(
  secure: boolean,
  options: https.RequestOptions,
  server: string,
  proxy: URL | undefined,
): Pick<Connection, 'agent' | 'watchAgent' | 'http2'> {
  const pooled = { keepAlive: true, timeout: IDLE_SOCKET_SECONDS * 1000 };
  if (proxy) {
    const tunnelTls = secure ? tlsOptionsOf(options) : undefined;
    // HTTP/2 is not tunnelled: through a proxy, the API server is spoken to over HTTP/1.1.
    return {
      agent: tunnelingAgent(proxy, { ...pooled, maxSockets: REQUEST_SOCKETS }, tunnelTls),
      watchAgent: tunnelingAgent(proxy, pooled, tunnelTls),
      http2: undefined,
    };
  }
  if (!secure) {
    return {
      agent: new http.Agent({ ...pooled, maxSockets: REQUEST_SOCKETS }),
      watchAgent: new http.Agent(pooled),
      http2: undefined,
    };
  }
  const tlsOptions = tlsOptionsOf(options);
  return {
    agent: new https.Agent({ ...pooled, ...tlsOptions, maxSockets: REQUEST_SOCKETS }),
    watchAgent: new https.Agent({ ...pooled, ...tlsOptions }),
    // Opened on first use only: connecting costs nothing until a request asks for HTTP/2.
    http2: http2Sessions({ origin: new URL(server).origin, ...tlsOptions }),
  };
}

/** The TLS options of the API server's connections, with one shared secure context. */
function tlsOptionsOf(options: https.RequestOptions): TunnelTls {
  const secureContext = tls.createSecureContext({
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.cert ? { cert: options.cert } : {}),
    ...(options.key ? { key: options.key } : {}),
  });
  return {
    secureContext,
    ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
    ...(options.servername ? { servername: options.servername } : {}),
  };
}

function destroyAgents(connection: Connection): void {
  connection.agent.destroy();
  connection.watchAgent.destroy();
  connection.http2?.close();
}
