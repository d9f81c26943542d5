/**
 * HTTP/2 to the API server (`settings.networking.http2`), against small local TLS servers: the protocol
 * is negotiated with ALPN, streams share connections within the server's SETTINGS, GOAWAY and refused
 * streams are survived. (The e2e suite runs every operator over HTTP/2 against the real kube-apiserver.)
 */
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createApiClient, type ClosableApiClient } from '../../runtime/client/index.ts';
import {
  generateCertificate,
  type GeneratedCertificate,
} from '../../runtime/reactor/admission/certificates.ts';
import { addLogListener, configureLogging, type LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings, type SettingsOverrides } from '../../runtime/structs/settings.ts';

configureLogging({ write: () => undefined });

const pods = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true } as const;

let tlsFiles: GeneratedCertificate;
beforeAll(async () => {
  tlsFiles = await generateCertificate(['127.0.0.1']);
});

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Seen {
  httpVersion: string;
  path: string;
  authorization: string | undefined;
}

/**
 * A TLS server answering every GET with a Pod (a watch path gets one event and stays open);
 * `speaks` decides what ALPN offers. `onRequest` may take over a request (return true).
 */
async function tlsServer(
  speaks: 'h2' | 'http/1.1',
  options: {
    settings?: http2.Settings;
    onRequest?: (
      request: http2.Http2ServerRequest,
      response: http2.Http2ServerResponse,
      n: number,
    ) => boolean;
  } = {},
) {
  const seen: Seen[] = [];
  let connections = 0;
  /** Both servers' request and response types, narrowed to what is used here. */
  type Request = {
    httpVersion: string;
    url?: string;
    headers: Record<string, string | string[] | undefined>;
  };
  type Response = {
    writeHead(status: number, headers: Record<string, string>): unknown;
    write(chunk: string): unknown;
    end(chunk: string): unknown;
  };
  const handle = (request: Request, response: Response) => {
    seen.push({
      httpVersion: request.httpVersion,
      path: request.url ?? '',
      authorization: request.headers['authorization'] as string | undefined,
    });
    if (
      options.onRequest?.(
        request as http2.Http2ServerRequest,
        response as http2.Http2ServerResponse,
        seen.length,
      )
    )
      return;
    response.writeHead(200, { 'content-type': 'application/json' });
    if (request.url?.includes('watch=true')) {
      response.write(
        JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'p1' } } }) + '\n',
      );
      return; // stays open, as watches do
    }
    response.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'p1' } }));
  };
  const tls = { key: tlsFiles.key, cert: tlsFiles.cert };
  const server =
    speaks === 'h2'
      ? http2.createSecureServer(
          { ...tls, allowHTTP1: true, ...(options.settings ? { settings: options.settings } : {}) },
          handle,
        )
      : https.createServer(tls, handle);
  server.on('secureConnection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  );
  return { url, seen, connections: () => connections };
}

function clientFor(url: string, overrides: SettingsOverrides = {}): ClosableApiClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, caData: Buffer.from(tlsFiles.ca).toString('base64') }],
    users: [{ name: 'u', token: 'token-1' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const settings = makeSettings({ networking: { errorBackoffs: [0.01, 0.01, 0.01] }, ...overrides });
  const client = createApiClient(kc, settings);
  cleanups.push(() => client.close());
  return client;
}

/** Open a watch and wait for its first event; the stream stays open until the test ends. */
async function openWatch(client: ClosableApiClient): Promise<void> {
  const stop = new AbortController();
  const events = client
    .watch(pods, 'ns', { resourceVersion: '1', signal: stop.signal })
    [Symbol.asyncIterator]();
  cleanups.push(async () => {
    stop.abort();
    await events.return?.();
  });
  const first = await events.next();
  expect(first.value).toMatchObject({ type: 'ADDED' });
}

function captureLogs(): LogRecord[] {
  const records: LogRecord[] = [];
  cleanups.push(addLogListener((record) => records.push(record)));
  return records;
}

describe('HTTP/2 to the API server', () => {
  test('requests and watches are streams of one connection, with the same credentials', async () => {
    const server = await tlsServer('h2');
    const client = clientFor(server.url);
    await openWatch(client);
    await Promise.all(Array.from({ length: 20 }, () => client.get(pods, 'ns', 'p1')));
    expect(server.seen).toHaveLength(21);
    expect(new Set(server.seen.map((s) => s.httpVersion))).toEqual(new Set(['2.0']));
    expect(new Set(server.seen.map((s) => s.authorization))).toEqual(new Set(['Bearer token-1']));
    expect(server.connections()).toBe(1);
  });

  test('a server that does not negotiate h2 is spoken to in HTTP/1.1', async () => {
    const server = await tlsServer('http/1.1');
    const client = clientFor(server.url);
    await openWatch(client);
    await client.get(pods, 'ns', 'p1');
    expect(server.seen.map((s) => s.httpVersion)).toEqual(['1.1', '1.1']);
  });

  test('with networking.http2 off, HTTP/1.1 even where h2 is offered', async () => {
    const server = await tlsServer('h2');
    await clientFor(server.url, { networking: { http2: false } }).get(pods, 'ns', 'p1');
    expect(server.seen.map((s) => s.httpVersion)).toEqual(['1.1']);
  });

  test("within the server's stream limit: requests queue on a connection, watches take at most half of it", async () => {
    const server = await tlsServer('h2', { settings: { maxConcurrentStreams: 2 } });
    const client = clientFor(server.url);
    await openWatch(client);
    await openWatch(client); // the first connection's half is taken: a second connection
    await Promise.all(Array.from({ length: 10 }, () => client.get(pods, 'ns', 'p1')));
    expect(server.seen).toHaveLength(12);
    expect(server.connections()).toBe(2);
  });

  test('after a GOAWAY, the answer in flight arrives and the next request opens a new connection', async () => {
    const server = await tlsServer('h2', {
      onRequest(request, response, n) {
        if (n !== 1) return false;
        request.stream.session?.goaway();
        response.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'first' } }));
        return true;
      },
    });
    const client = clientFor(server.url);
    expect((await client.get(pods, 'ns', 'p1')).metadata?.name).toBe('first');
    expect((await client.get(pods, 'ns', 'p1')).metadata?.name).toBe('p1');
    expect(server.connections()).toBe(2);
  });

  test('a refused stream was not processed: it is replayed at once, not counted as a failed attempt', async () => {
    const server = await tlsServer('h2', {
      onRequest(request, _response, n) {
        if (n !== 1) return false;
        request.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return true;
      },
    });
    const logs = captureLogs();
    expect((await clientFor(server.url).get(pods, 'ns', 'p1')).metadata?.name).toBe('p1');
    expect(server.seen).toHaveLength(2);
    expect(logs.filter((r) => r.message.startsWith('Request attempt'))).toEqual([]);
  });

  test('a stream without an answer times out (networking.requestTimeout); the connection stays in use', async () => {
    const server = await tlsServer('h2', { onRequest: (_request, _response, n) => n === 1 });
    const client = clientFor(server.url, { networking: { requestTimeout: 0.2, errorBackoffs: [] } });
    const error = await client.get(pods, 'ns', 'p1').catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'GET /api/v1/namespaces/ns/pods/p1 failed: timed out after 0.2 s (networking.requestTimeout)',
    );
    expect((await client.get(pods, 'ns', 'p1')).metadata?.name).toBe('p1');
    expect(server.connections()).toBe(1);
  });
});
