/**
 * A small, fast client for the bench itself (creating, watching, deleting BenchObjects): node:https
 * with one keep-alive agent and the admin client certificate. No operator logic and no client-node
 * overhead, so the load generator and the observer stay far from being the bottleneck.
 */
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import type { ClientRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ClusterAccess {
  url: string;
  ca: string;
  clientCert: string;
  clientKey: string;
}

export interface BenchObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: BenchObject;
}

export const GROUP = 'bench.kopf.dev';
export const VERSION = 'v1';
export const PLURAL = 'benchobjects';
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export class Kube {
  readonly agent: https.Agent;
  readonly base: URL;
  /** With `http2`: one HTTP/2 session, every request (and the watch) a stream of it. */
  private session: http2.ClientHttp2Session | undefined;
  private readonly secureContext: tls.SecureContext;
  private readonly http2: boolean;
  /** Requests this client issued, by `VERB resource[/subresource]`, to subtract from the apiserver's counts. */
  readonly issued = new Map<string, number>();

  constructor(access: ClusterAccess, maxSockets = 64, options: { http2?: boolean } = {}) {
    this.base = new URL(access.url);
    // One SecureContext for all connections: given ca/cert/key instead, node builds a new one (parsing
    // the key and certificates) for every TLS connection.
    this.secureContext = tls.createSecureContext({
      ca: readFileSync(access.ca),
      cert: readFileSync(access.clientCert),
      key: readFileSync(access.clientKey),
    });
    this.agent = new https.Agent({ keepAlive: true, maxSockets, secureContext: this.secureContext });
    this.http2 = options.http2 ?? false;
  }

  /** The HTTP/2 session, (re)connected on demand. */
  private h2(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.base.origin, { secureContext: this.secureContext });
    session.on('error', () => undefined); // requests see their own stream errors
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  /** One request as a stream of the HTTP/2 session. */
  private requestH2(
    method: string,
    path: string,
    payload: string | undefined,
    contentType: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const stream = this.h2().request({
        ':method': method,
        ':path': path,
        accept: 'application/json',
        ...(payload !== undefined ? { 'content-type': contentType } : {}),
      });
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
      stream.on('error', reject);
      stream.end(payload);
    });
  }

  private count(key: string): void {
    this.issued.set(key, (this.issued.get(key) ?? 0) + 1);
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    countKey?: string,
  ): Promise<{ status: number; body: string }> {
    if (countKey) this.count(countKey);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    if (this.http2) return this.requestH2(method, path, payload, contentType);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async json<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
    countKey?: string,
  ): Promise<T> {
    let res = await this.request(method, path, body, contentType, countKey);
    // A CRD's storage answers 429 "(re)initializing" for a moment after it is Established.
    for (let attempt = 0; (res.status === 429 || res.status >= 500) && attempt < 30; attempt++) {
      await sleep(200);
      res = await this.request(method, path, body, contentType, countKey);
    }
    if (res.status >= 300)
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    return JSON.parse(res.body) as T;
  }

  collectionPath(namespace?: string): string {
    return namespace
      ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
      : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
  }

  async createNamespace(name: string): Promise<void> {
    await this.json(
      'POST',
      '/api/v1/namespaces',
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      undefined,
      'POST namespaces',
    );
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.request('DELETE', `/api/v1/namespaces/${name}`, undefined, undefined, 'DELETE namespaces');
  }

  /** Create one BenchObject; resolves when the apiserver has stored it. Retries on 429/5xx. */
  async create(namespace: string, name: string, index: number): Promise<void> {
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'BenchObject',
      metadata: { name },
      spec: { index },
    };
    await retrying(
      () => this.request('POST', this.collectionPath(namespace), body, 'application/json', `POST ${PLURAL}`),
      `create ${namespace}/${name}`,
      409,
    );
  }

  async list(namespace?: string): Promise<{ items: BenchObject[]; metadata: { resourceVersion: string } }> {
    return this.json('GET', this.collectionPath(namespace), undefined, undefined, `LIST ${PLURAL}`);
  }

  async deleteCollection(namespace: string): Promise<void> {
    await this.json(
      'DELETE',
      this.collectionPath(namespace),
      undefined,
      undefined,
      `DELETECOLLECTION ${PLURAL}`,
    );
  }

  /**
   * Watch BenchObjects (one namespace or all) from a resourceVersion; `onEvent` gets every event.
   * Returns a stop function. The stream is restarted from the last seen resourceVersion if it ends.
   */
  watch(
    namespace: string | undefined,
    resourceVersion: string,
    onEvent: (event: WatchEvent, at: number) => void,
  ): () => void {
    let stopped = false;
    let current: ClientRequest | undefined;
    let rv = resourceVersion;
    let stopStream: (() => void) | undefined;
    const onLine = (line: string): void => {
      if (!line) return;
      const at = performance.now();
      const event = JSON.parse(line) as WatchEvent;
      if (event.object?.metadata?.resourceVersion) rv = event.object.metadata.resourceVersion;
      if (event.type === 'ERROR') return;
      onEvent(event, at);
    };
    const run = (): void => {
      if (stopped) return;
      this.count(`WATCH ${PLURAL}`);
      const path = `${this.collectionPath(namespace)}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`;
      if (this.http2) {
        const stream = this.h2().request({ ':method': 'GET', ':path': path, accept: 'application/json' });
        stopStream = () => stream.close();
        const lines = createInterface({ input: stream, crlfDelay: Infinity });
        lines.on('error', () => undefined);
        lines.on('line', onLine);
        let restarted = false;
        const restart = (): void => {
          if (!restarted && !stopped) setTimeout(run, 50);
          restarted = true;
        };
        stream.on('end', restart);
        stream.on('error', restart);
        stream.on('close', restart);
        stream.end();
        return;
      }
      current = https.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: 'GET',
          path,
          agent: this.agent,
          headers: { Accept: 'application/json' },
        },
        (res) => {
          const lines = createInterface({ input: res, crlfDelay: Infinity });
          lines.on('error', () => undefined); // an aborted stream ends the watch; 'end'/'close' restart it
          lines.on('line', onLine);
          let restarted = false;
          const restart = (): void => {
            if (!restarted) setTimeout(run, 50);
            restarted = true;
          };
          res.on('end', restart);
          res.on('error', restart);
          res.on('close', restart);
        },
      );
      current.on('error', () => {
        if (!stopped) setTimeout(run, 100);
      });
      current.end();
    };
    run();
    return () => {
      stopped = true;
      current?.destroy();
      stopStream?.();
    };
  }

  async metrics(): Promise<string> {
    const res = await this.request('GET', '/metrics');
    if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
    return res.body;
  }

  close(): void {
    this.agent.destroy();
    this.session?.close();
  }
}

/** Send a request until it succeeds (or answers `alsoFine`): 429s and 5xx are retried 20 times. */
export async function retrying(
  request: () => Promise<{ status: number; body: string }>,
  what: string,
  alsoFine?: number,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await request();
    if (res.status < 300 || res.status === alsoFine) return;
    if ((res.status === 429 || res.status >= 500) && attempt < 20) {
      await sleep(50 * (attempt + 1));
      continue;
    }
    throw new Error(`${what}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  }
}

/** Run `task(0)` … `task(n - 1)`, `concurrency` of them at a time, in order of their start. */
export async function concurrently(
  n: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

/** Create objects `name-<i>` with a pool of concurrent requests; returns when all are stored. */
export async function createMany(
  kube: Kube,
  namespace: string,
  prefix: string,
  n: number,
  concurrency: number,
): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(`${namespace}/${prefix}-${String(i).padStart(6, '0')}`);
  await concurrently(n, concurrency, (i) =>
    kube.create(namespace, `${prefix}-${String(i).padStart(6, '0')}`, i),
  );
  return keys;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Does this object carry the result every contender writes? */
export function isHandled(obj: BenchObject): boolean {
  const created = obj.status?.['created'] as { message?: unknown } | undefined;
  return created?.message === 'ok';
}
