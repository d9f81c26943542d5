/**
 * Finding the cluster to talk to, the way kubectl and Kopf do — without loading client-node.
 *
 * Importing `@kubernetes/client-node` costs ~80 MB of RSS (its generated API: thousands of modules,
 * undici), and the runtime only needs the connection settings of a kubeconfig. So the common cases are
 * read here: a kubeconfig with a token, token file, client certificate or basic auth, and the in-cluster
 * service account (whose token is re-read as it rotates). Only a user with an `exec` plugin or an
 * `auth-provider` (OIDC, GCP, Azure) needs client-node's authenticators; then client-node is loaded,
 * on first use, and does everything for that kubeconfig.
 */
import fs from 'node:fs';
import type https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import * as yaml from 'js-yaml';
import { describeError } from '../structs/errors.ts';

/**
 * What the API client needs from a kubeconfig: the server and the TLS/auth options of a request.
 * client-node's `KubeConfig` has this shape, so users may pass one wherever this is expected.
 */
export interface KubeConfigLike {
  /** The API server, and the HTTP proxy to reach it through (a cluster's `proxy-url`), if any. */
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string } | null;
  /** Fill in `ca`/`cert`/`key`/`rejectUnauthorized`/`servername`, `headers` and `auth`. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
  /**
   * The credentials last applied were rejected (401): the next {@link applyToHTTPSOptions} must get
   * new ones (the login handlers run again). Without it, they are simply re-read.
   */
  invalidate?(): void;
}

/** The in-cluster service account's files (the same paths as client-go and client-node). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Re-read a token file at most this often (client-go's and client-node's period). */
const TOKEN_FILE_SECONDS = 60;

/**
 * Load the kubeconfig from `$KUBECONFIG` (several files separated by `:` are merged: the first
 * definition of a name wins, as with kubectl), else `~/.kube/config`, else the in-cluster service
 * account, else `http://localhost:8080` (as client-node does).
 */
export function loadKubeConfig(): KubeConfigLike {
  const files = kubeconfigFiles();
  if (files.length === 0) {
    if (fs.existsSync(path.join(SERVICE_ACCOUNT_DIR, 'token'))) return inClusterConfig();
    return kubeConfigFromEntries({ server: 'http://localhost:8080' }, {});
  }
  const merged = mergeKubeconfigs(files);
  const selected = selectContext(merged);
  if (selected.user.exec !== undefined || selected.user['auth-provider'] !== undefined) {
    // Plugins and providers are client-node's job (exec credentials, OIDC refresh, cloud providers).
    const kc = new (clientNode().KubeConfig)();
    kc.loadFromDefault();
    return kc;
  }
  return kubeConfigFromEntries(selected.cluster, selected.user);
}

/** client-node, loaded on first use (synchronously: Node ≥ 22.12 can `require` ES modules). */
export function clientNode(): typeof import('@kubernetes/client-node') {
  return createRequire(import.meta.url)('@kubernetes/client-node');
}

/** A client-node KubeConfig for users who want client-node's API classes (loads client-node). */
export function newClientNodeKubeConfig(): KubeConfig {
  return new (clientNode().KubeConfig)();
}

function kubeconfigFiles(): string[] {
  const env = process.env['KUBECONFIG'];
  if (env) {
    // As kubectl does, files of the list that do not exist are skipped; but not all of them.
    const listed = env.split(path.delimiter).filter((file) => file !== '');
    const existing = listed.filter((file) => fs.existsSync(file));
    if (listed.length && !existing.length)
      throw new Error(`no file of $KUBECONFIG exists: ${listed.join(path.delimiter)}`);
    return existing;
  }
  const home = process.env['HOME'] || process.env['USERPROFILE'] || os.homedir();
  const file = path.join(home, '.kube', 'config');
  return fs.existsSync(file) ? [file] : [];
}

/** One named entry of a kubeconfig list, with file paths already made absolute. */
type Entries = Map<string, Record<string, unknown>>;

interface Kubeconfig {
  currentContext: string | undefined;
  clusters: Entries;
  users: Entries;
  contexts: Entries;
}

/** Fields holding file paths, which are relative to the kubeconfig file they are written in. */
const PATH_FIELDS = ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile', 'token-file'];

function mergeKubeconfigs(files: string[]): Kubeconfig {
  const merged: Kubeconfig = {
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const file of files) {
    let document: unknown;
    try {
      document = yaml.load(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${describeError(error)}`, { cause: error });
    }
    const config = isRecord(document) ? document : {};
    const directory = path.dirname(path.resolve(file));
    if (!merged.currentContext && typeof config['current-context'] === 'string' && config['current-context'])
      merged.currentContext = config['current-context'];
    addEntries(merged.clusters, config['clusters'], 'cluster', directory, file);
    addEntries(merged.users, config['users'], 'user', directory, file);
    addEntries(merged.contexts, config['contexts'], 'context', directory, file);
  }
  return merged;
}

function addEntries(into: Entries, list: unknown, field: string, directory: string, file: string): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry: unknown, index) => {
    if (!isRecord(entry) || typeof entry['name'] !== 'string' || !entry['name'])
      throw new Error(`${file}: ${field}s[${index}].name is missing`);
    if (into.has(entry['name'])) return; // the first definition wins (kubectl's merge rule)
    const body = isRecord(entry[field]) ? { ...entry[field] } : {};
    for (const key of PATH_FIELDS) {
      const value = body[key];
      if (typeof value === 'string' && value && !path.isAbsolute(value))
        body[key] = path.join(directory, value);
    }
    into.set(entry['name'], body);
  });
}

function selectContext(config: Kubeconfig): { cluster: ClusterEntry; user: UserEntry } {
  if (!config.currentContext) throw new Error('the kubeconfig has no current-context');
  const context = config.contexts.get(config.currentContext);
  if (!context) throw new Error(`the kubeconfig has no context named ${config.currentContext}`);
  const clusterName = String(context['cluster'] ?? '');
  const cluster = config.clusters.get(clusterName);
  if (!cluster || typeof cluster['server'] !== 'string' || !cluster['server'])
    throw new Error(`the kubeconfig's cluster ${clusterName || '(none)'} has no server`);
  const user = config.users.get(String(context['user'] ?? '')) ?? {};
  return { cluster: { ...cluster, server: cluster['server'] }, user };
}

/** A cluster entry of a kubeconfig (kubectl's field names). */
export interface ClusterEntry {
  server: string;
  'certificate-authority'?: unknown;
  'certificate-authority-data'?: unknown;
  'insecure-skip-tls-verify'?: unknown;
  'tls-server-name'?: unknown;
  [field: string]: unknown;
}

/** A user entry of a kubeconfig (kubectl's field names). */
export type UserEntry = Record<string, unknown>;

/** Credentials that only files and fields provide: a token, a token file, certificates, basic auth. */
export function kubeConfigFromEntries(cluster: ClusterEntry, user: UserEntry): KubeConfigLike {
  const server = cluster.server.replace(/\/$/, '');
  const tokenFile = stringField(user, 'tokenFile') ?? stringField(user, 'token-file');
  const readToken = tokenFile ? rereadingFile(tokenFile) : undefined;
  const proxyUrl = stringField(cluster, 'proxy-url');
  return {
    getCurrentCluster: () => ({ server, ...(proxyUrl ? { proxyUrl } : {}) }),
    async applyToHTTPSOptions(options) {
      if (cluster['insecure-skip-tls-verify'] === true) options.rejectUnauthorized = false;
      const servername = stringField(cluster, 'tls-server-name');
      if (servername) options.servername = servername;
      const ca = fileOrData(cluster, 'certificate-authority');
      if (ca) options.ca = ca;
      const cert = fileOrData(user, 'client-certificate');
      if (cert) options.cert = cert;
      const key = fileOrData(user, 'client-key');
      if (key) options.key = key;
      const headers: Record<string, string> = {};
      const impersonate = stringField(user, 'as');
      if (impersonate) headers['Impersonate-User'] = impersonate;
      const token = stringField(user, 'token') ?? readToken?.();
      if (token) headers['Authorization'] = `Bearer ${token.trim()}`;
      options.headers = { ...options.headers, ...headers };
      const username = stringField(user, 'username');
      if (username) options.auth = `${username}:${stringField(user, 'password') ?? ''}`;
    },
  };
}

/** The service account of the pod we run in: its CA, and its token, re-read as it rotates. */
function inClusterConfig(): KubeConfigLike {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port)
    throw new Error('running in a pod, but KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set');
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https'; // as client-node decides
  const hostname = net.isIPv6(host) ? `[${host}]` : host;
  return kubeConfigFromEntries(
    {
      server: `${scheme}://${hostname}:${port}`,
      'certificate-authority': path.join(SERVICE_ACCOUNT_DIR, 'ca.crt'),
    },
    { tokenFile: path.join(SERVICE_ACCOUNT_DIR, 'token') },
  );
}

/** A reader of a file that changes (a rotated token): re-read at most every {@link TOKEN_FILE_SECONDS}. */
function rereadingFile(file: string): () => string {
  let cached: { text: string; readAt: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.readAt > TOKEN_FILE_SECONDS * 1000)
      cached = { text: fs.readFileSync(file, 'utf8'), readAt: Date.now() };
    return cached.text;
  };
}

/** `<field>` names a file, `<field>-data` holds base64 data (the kubeconfig convention). */
function fileOrData(entry: Record<string, unknown>, field: string): Buffer | undefined {
  const file = stringField(entry, field);
  if (file) return fs.readFileSync(file);
  const data = stringField(entry, `${field}-data`);
  return data ? Buffer.from(data, 'base64') : undefined;
}

function stringField(entry: Record<string, unknown>, field: string): string | undefined {
  const value = entry[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
