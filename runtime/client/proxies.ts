/**
 * HTTP proxies between the operator and the API server: which proxy a server is reached through (a
 * kubeconfig cluster's `proxy-url`, else — with `networking.trustEnv` — `HTTPS_PROXY`/`HTTP_PROXY`
 * unless `NO_PROXY` excludes the server, as kubectl reads them), and agents that reach it through an HTTP CONNECT tunnel — for
 * ordinary requests and watches alike, so TLS to the API server stays end-to-end.
 */
import type { Agent, AgentOptions, ClientRequestArgs } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { http } from '../structs/node-http.ts';

/**
 * The proxy to reach `server` through, or `undefined` for a direct connection. `env` is the
 * environment to read proxies from: none unless `networking.trustEnv` (as Kopf's `trust_env`).
 */
export function proxyFor(
  server: string,
  clusterProxyUrl: string | undefined,
  env: NodeJS.ProcessEnv,
): URL | undefined {
  // As in client-go: the cluster's own proxy-url wins over the environment, NO_PROXY included.
  if (clusterProxyUrl) return parseProxyUrl(clusterProxyUrl, "the kubeconfig cluster's proxy-url");
  const url = new URL(server);
  const [upper, lower] =
    url.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy'] : ['HTTP_PROXY', 'http_proxy'];
  const value = env[upper] || env[lower];
  if (!value) return undefined;
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  if (bypassesProxy(url.hostname, port, env['NO_PROXY'] || env['no_proxy'] || '')) return undefined;
  return parseProxyUrl(value, `$${env[upper] ? upper : lower}`);
}

/** A proxy URL; without a scheme, `http://` (as curl and Go read `HTTPS_PROXY=proxy:3128`). */
function parseProxyUrl(text: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new Error(`${where} is not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(
      `${where} is a ${url.protocol.slice(0, -1)} proxy; only http and https proxies are supported`,
    );
  return url;
}

/**
 * Whether `NO_PROXY` excludes a host: comma-separated entries, each `*` (everything), an IP address,
 * a CIDR range (`10.0.0.0/8`), a domain (`example.com`: it and its subdomains), or a domain with a
 * leading dot or `*.` (`.example.com`: only its subdomains) — optionally with `:port`.
 */
export function bypassesProxy(host: string, port: number, noProxy: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  const ipType = net.isIP(name);
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { pattern, entryPort } = splitPort(entry);
    if (entryPort !== undefined && entryPort !== port) continue;
    if (pattern.includes('/')) {
      if (ipType && inCidr(name, ipType, pattern)) return true;
      continue;
    }
    if (net.isIP(pattern)) {
      if (ipType && net.isIP(pattern) === ipType && sameIp(name, pattern, ipType)) return true;
      continue;
    }
    const subdomainsOnly = pattern.startsWith('.') || pattern.startsWith('*.');
    const domain = pattern.replace(/^\*?\./, '');
    if (name.endsWith(`.${domain}`) || (!subdomainsOnly && name === domain)) return true;
  }
  return false;
}

/** `host:port`, `[v6]:port`, or no port (a bare IPv6 address has colons, but no port). */
function splitPort(entry: string): { pattern: string; entryPort?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed)
    return { pattern: bracketed[1]!, ...(bracketed[2] ? { entryPort: Number(bracketed[2]) } : {}) };
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  return withPort ? { pattern: withPort[1]!, entryPort: Number(withPort[2]) } : { pattern: entry };
}

function inCidr(ip: string, ipType: number, cidr: string): boolean {
  const [network = '', bits = ''] = cidr.split('/');
  const family = ipType === 6 ? 'ipv6' : 'ipv4';
  if (net.isIP(network) !== ipType || !/^\d+$/.test(bits)) return false;
  const list = new net.BlockList();
  try {
    list.addSubnet(network, Number(bits), family);
  } catch {
    return false; // a prefix too long for the family: matches nothing, as in Go
  }
  return list.check(ip, family);
}

function sameIp(a: string, b: string, ipType: number): boolean {
  const list = new net.BlockList();
  const family = ipType === 6 ? 'ipv6' : 'ipv4';
  list.addAddress(b, family);
  return list.check(a, family);
}

/** How an agent's `createConnection` hands over a socket created asynchronously, or the failure. */
type Created = (error: Error | null, stream: Duplex) => void;

/** The TLS settings of the API server's connections (the tunnel carries them unchanged). */
export interface TunnelTls {
  secureContext: tls.SecureContext;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/**
 * An agent whose connections are CONNECT tunnels through `proxy`; with `tlsOptions`, TLS to the API
 * server runs inside the tunnel. Pooling and keep-alive are the agent's, as without a proxy.
 */
export function tunnelingAgent(
  proxy: URL,
  agentOptions: AgentOptions,
  tlsOptions: TunnelTls | undefined,
): Agent {
  const agent = tlsOptions
    ? new https.Agent({ ...agentOptions, ...tlsOptions })
    : new http.Agent(agentOptions);
  // The agent's asynchronous form: the socket is handed to the callback once the tunnel is up.
  agent.createConnection = (options, callback = () => undefined) => {
    connectThrough(proxy, options, tlsOptions, callback);
    return undefined;
  };
  return agent;
}

/** Open a tunnel to the request's host, with TLS in it if given, and hand the stream to `callback`. */
function connectThrough(
  proxy: URL,
  options: ClientRequestArgs & { servername?: string },
  tlsOptions: TunnelTls | undefined,
  callback: Created,
): void {
  const host = options.hostname ?? options.host ?? 'localhost';
  const port = Number(options.port) || (tlsOptions ? 443 : 80);
  openTunnel(proxy, host, port).then(
    (socket) => {
      if (!tlsOptions) return callback(null, socket);
      const servername = tlsOptions.servername ?? (options.servername || undefined);
      callback(
        null,
        tls.connect({
          ...tlsOptions,
          socket,
          host,
          ...(servername && !net.isIP(servername) ? { servername } : {}),
        }),
      );
    },
    // The agent ignores the stream of a failure; the type wants one, so an unused socket it is.
    (error: Error) => callback(error, new net.Socket()),
  );
}

/** Ask the proxy for a tunnel to `host:port`; resolves with the tunnel's socket. */
function openTunnel(proxy: URL, host: string, port: number): Promise<net.Socket> {
  const target = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const authorization = proxy.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
    : undefined;
  return new Promise((resolve, reject) => {
    const request = (proxy.protocol === 'https:' ? https : http).request({
      method: 'CONNECT',
      hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port) || (proxy.protocol === 'https:' ? 443 : 80),
      path: target,
      headers: { Host: target, ...(authorization ? { 'Proxy-Authorization': authorization } : {}) },
      agent: false,
    });
    request.once('connect', (response, socket) => {
      if (response.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(
        new Error(
          `the proxy ${proxy.host} refused a tunnel to ${target}: ${response.statusCode} ${response.statusMessage ?? ''}`.trim(),
        ),
      );
    });
    request.once('error', (error) =>
      reject(new Error(`the proxy ${proxy.host} is unreachable: ${error.message}`, { cause: error })),
    );
    request.end();
  });
}
