/** The retry policy, as pure functions and against a tiny local HTTP server that misbehaves on cue. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, test } from 'vitest';
import { createApiClient, isApiError, type ClosableApiClient } from '../../runtime/client/index.ts';
import { ApiConnectionError } from '../../runtime/client/errors.ts';
import {
  isRetriableStatus,
  isStorageInitializing,
  QUIET_ATTEMPTS,
  retryAfterSeconds,
  retryDelay,
} from '../../runtime/client/retries.ts';
import { addLogListener, configureLogging, type LogRecord } from '../../runtime/structs/logging.ts';
import { makeSettings, type SettingsOverrides } from '../../runtime/structs/settings.ts';

configureLogging({ write: () => undefined });

const pods = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true } as const;

describe('the retry policy', () => {
  test('retries 429 and 5xx, nothing else', () => {
    expect([429, 500, 502, 503, 504].every(isRetriableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 410, 422].some(isRetriableStatus)).toBe(false);
  });

  test('reads Retry-After as seconds or an HTTP date, else from the Status details', () => {
    expect(retryAfterSeconds('3', undefined)).toBe(3);
    expect(retryAfterSeconds(new Date(10_000).toUTCString(), undefined, 5_000)).toBe(5);
    expect(retryAfterSeconds(undefined, { details: { retryAfterSeconds: 7 } })).toBe(7);
    expect(retryAfterSeconds('soon', undefined)).toBeUndefined();
  });

  test('waits for the longer of backoff and Retry-After, or exactly Retry-After when enforced', () => {
    expect(retryDelay(1, 5, false)).toBe(5);
    expect(retryDelay(8, 5, false)).toBe(8);
    expect(retryDelay(8, 5, true)).toBe(5);
    expect(retryDelay(2, undefined, true)).toBe(2);
  });
});

type Reply = {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  raw?: string;
  hang?: boolean;
};

/** A local HTTP server answering with scripted replies (the last one repeats); records requests. */
async function scriptedServer(replies: Reply[]) {
  const requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> =
    [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)]!;
      if (reply.hang) return;
      response.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
      response.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url, requests };
}

function clientFor(url: string, overrides: SettingsOverrides = {}, token = 'token-1'): ClosableApiClient {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }], // client-node allows http:// only so
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const client = createApiClient(
    kc,
    makeSettings({ networking: { errorBackoffs: [0.01, 0.01, 0.01] }, ...overrides }),
  );
  cleanups.push(async () => client.close());
  return client;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function captureLogs(): LogRecord[] {
  const records: LogRecord[] = [];
  const remove = addLogListener((record) => records.push(record));
  cleanups.push(async () => void remove());
  return records;
}

describe('API requests', () => {
  test('5xx answers are retried with the backoffs, logging the attempt numbers, until one succeeds', async () => {
    const server = await scriptedServer([
      { status: 503 },
      { status: 500 },
      { status: 200, body: { items: [], metadata: { resourceVersion: '5' } } },
    ]);
    const logs = captureLogs();
    const result = await clientFor(server.url).list(pods, 'ns');
    expect(result.resourceVersion).toBe('5');
    expect(server.requests).toHaveLength(3);
    expect(logs.filter((r) => r.level === 'warning').map((r) => r.message.slice(0, 20))).toEqual([
      'Request attempt #1/4',
      'Request attempt #2/4',
    ]);
  });

  test('a 5xx that persists beyond the backoffs is thrown as an ApiError', async () => {
    const server = await scriptedServer([
      { status: 502, body: { kind: 'Status', message: 'bad gateway', reason: 'InternalError' } },
    ]);
    const error = await clientFor(server.url)
      .get(pods, 'ns', 'p1')
      .catch((e: unknown) => e);
    expect(isApiError(error, 502)).toBe(true);
    expect((error as Error).message).toBe(
      'GET /api/v1/namespaces/ns/pods/p1 failed with 502 InternalError: bad gateway',
    );
    expect(server.requests).toHaveLength(4);
  });

  test('a 429 waits for the Retry-After the server asks for when it is longer than the backoff', async () => {
    const server = await scriptedServer([
      { status: 429, headers: { 'Retry-After': '1' }, body: { kind: 'Status', reason: 'TooManyRequests' } },
      { status: 200, body: { kind: 'Pod' } },
    ]);
    const began = Date.now();
    await clientFor(server.url).get(pods, 'ns', 'p1');
    expect(Date.now() - began).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  test('a 429 "storage is (re)initializing" after a CRD appears is debug at first, a warning once it persists', async () => {
    const initializing = {
      status: 429,
      body: {
        kind: 'Status',
        reason: 'TooManyRequests',
        message: 'storage is (re)initializing',
        details: { retryAfterSeconds: 0 },
      },
    };
    expect(isStorageInitializing(429, 'storage is (re)initializing')).toBe(true);
    expect(isStorageInitializing(429, 'too many requests')).toBe(false);
    const server = await scriptedServer([
      ...Array.from({ length: QUIET_ATTEMPTS + 1 }, () => initializing),
      { status: 200, body: { items: [], metadata: { resourceVersion: '7' } } },
    ]);
    const logs = captureLogs();
    const client = clientFor(server.url, { networking: { errorBackoffs: [0.01, 0.01, 0.01, 0.01, 0.01] } });
    expect((await client.list(pods, 'ns')).resourceVersion).toBe('7');
    const retries = logs.filter((r) => r.message.startsWith('Request attempt'));
    expect(retries.map((r) => r.level)).toEqual([
      ...Array.from({ length: QUIET_ATTEMPTS }, () => 'debug'),
      'warning',
    ]);
  });

  test('other 4xx answers are thrown at once with the Status reason, without retries', async () => {
    const server = await scriptedServer([
      { status: 409, body: { kind: 'Status', reason: 'AlreadyExists', message: 'pods "p1" already exists' } },
    ]);
    const error = await clientFor(server.url)
      .create(pods, 'ns', { metadata: { name: 'p1' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 409,
      reason: 'AlreadyExists',
      request: 'POST /api/v1/namespaces/ns/pods',
    });
    expect(server.requests).toHaveLength(1);
  });

  test('a 401 re-reads the credentials once and replays the request', async () => {
    const server = await scriptedServer([{ status: 401 }, { status: 200, body: { kind: 'Pod' } }]);
    await clientFor(server.url).get(pods, 'ns', 'p1');
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.headers.authorization).toBe('Bearer token-1');
  });

  test('a 401 that persists after re-reading the credentials is thrown', async () => {
    const server = await scriptedServer([{ status: 401, body: { kind: 'Status', reason: 'Unauthorized' } }]);
    const error = await clientFor(server.url)
      .get(pods, 'ns', 'p1')
      .catch((e: unknown) => e);
    expect(isApiError(error, 401)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  test('a watch rejected with 401 re-reads the credentials once and opens again; a second 401 is thrown', async () => {
    const server = await scriptedServer([{ status: 401, body: { kind: 'Status', reason: 'Unauthorized' } }]);
    const records: LogRecord[] = [];
    const unlisten = addLogListener((record) => records.push(record));
    const stream = clientFor(server.url).watch(pods, 'ns', { resourceVersion: '1' });
    const error = await (async () => {
      for await (const _ of stream) return undefined;
    })().catch((e: unknown) => e);
    unlisten();
    expect(isApiError(error, 401)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(records.filter((r) => /unauthorized \(401\); renewing/.test(r.message))).toHaveLength(1);
  });

  test('patches use the merge-patch or JSON-patch content type, and the status subresource path', async () => {
    const server = await scriptedServer([{ status: 200, body: { kind: 'Pod' } }]);
    const client = clientFor(server.url);
    await client.patch(pods, 'ns', 'p1', { metadata: { labels: { a: 'b' } } });
    await client.patch(pods, 'ns', 'p1', [{ op: 'remove', path: '/x' }], {
      type: 'json',
      subresource: 'status',
    });
    expect(server.requests.map((r) => [r.method, r.url, r.headers['content-type']])).toEqual([
      ['PATCH', '/api/v1/namespaces/ns/pods/p1', 'application/merge-patch+json'],
      ['PATCH', '/api/v1/namespaces/ns/pods/p1/status', 'application/json-patch+json'],
    ]);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ metadata: { labels: { a: 'b' } } });
  });

  test('a 404 on patch means the object is gone: undefined, not an error', async () => {
    const server = await scriptedServer([{ status: 404, body: { kind: 'Status', reason: 'NotFound' } }]);
    expect(await clientFor(server.url).patch(pods, 'ns', 'gone', { x: 1 })).toBeUndefined();
  });

  test('connection errors are retried, then thrown as ApiConnectionError naming the request', async () => {
    const server = await scriptedServer([{ status: 200 }]);
    const dead = server.url.replace(/:\d+$/, ':1');
    const error = await clientFor(dead)
      .get(pods, 'ns', 'p1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiConnectionError);
    expect((error as Error).message).toMatch(
      /^GET \/api\/v1\/namespaces\/ns\/pods\/p1 failed: .*ECONNREFUSED/,
    );
  });

  test('a request that gets no answer times out (networking.requestTimeout) and is retried', async () => {
    const server = await scriptedServer([
      { status: 200, hang: true },
      { status: 200, body: { kind: 'Pod' } },
    ]);
    const client = clientFor(server.url, { networking: { requestTimeout: 0.2, errorBackoffs: [0.01] } });
    expect(await client.get(pods, 'ns', 'p1')).toEqual({ kind: 'Pod' });
    expect(server.requests).toHaveLength(2);
  });

  test('a kept-alive connection that the server closed is replaced at once, without a backoff', async () => {
    let served = 0;
    const server = http.createServer((request, response) => {
      served++;
      if (served === 2) {
        request.socket.destroy(); // the server drops the idle connection just as it is reused
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"Pod"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const client = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      networking: { errorBackoffs: [5] },
    });
    await client.get(pods, 'ns', 'p1');
    const began = Date.now();
    expect(await client.get(pods, 'ns', 'p1')).toEqual({ kind: 'Pod' });
    expect(Date.now() - began).toBeLessThan(1000);
    expect(served).toBe(3);
  });

  test('an abort stops the retries at once', async () => {
    const server = await scriptedServer([{ status: 503 }]);
    const client = clientFor(server.url, { networking: { errorBackoffs: [10, 10] } });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const began = Date.now();
    await expect(client.get(pods, 'ns', 'p1', { signal: abort.signal })).rejects.toThrow();
    expect(Date.now() - began).toBeLessThan(1000);
  });

  test('a request aborted while it waits for the answer rejects with the abort reason, not retried', async () => {
    const server = await scriptedServer([{ status: 200, hang: true }]);
    const client = clientFor(server.url, { networking: { errorBackoffs: [0.01, 0.01] } });
    const abort = new AbortController();
    const reason = new Error('a newer event of the object arrived');
    setTimeout(() => abort.abort(reason), 50);
    await expect(client.get(pods, 'ns', 'p1', { signal: abort.signal })).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  test('the request timeout names the setting in the error after the last attempt', async () => {
    const server = await scriptedServer([{ status: 200, hang: true }]);
    const client = clientFor(server.url, { networking: { requestTimeout: 0.1, errorBackoffs: [] } });
    await expect(client.get(pods, 'ns', 'p1')).rejects.toThrow(
      /^GET \/api\/v1\/namespaces\/ns\/pods\/p1 failed: timed out after 0.1 s \(networking.requestTimeout\)$/,
    );
  });
});

describe('watch requests', () => {
  test('stream events line by line; a malformed line is logged and skipped, not fatal', async () => {
    const lines = [
      JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '1' } } }),
      '{"type": "MODIFIED", garbage',
      JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } }),
      JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '3' } } }),
    ];
    const server = await scriptedServer([{ status: 200, raw: lines.join('\n') + '\n' }]);
    const logs = captureLogs();
    const types: string[] = [];
    for await (const event of clientFor(server.url).watch(pods, 'ns', { resourceVersion: '0' }))
      types.push(event.type);
    expect(types).toEqual(['ADDED', 'BOOKMARK', 'DELETED']);
    expect(logs.find((r) => r.level === 'error')?.message).toMatch(
      /Malformed line in the watch-stream .*garbage/,
    );
    expect(server.requests[0]!.url).toBe(
      '/api/v1/namespaces/ns/pods?watch=true&allowWatchBookmarks=true&resourceVersion=0',
    );
  });

  test('a 410 answer to the watch request is thrown as ApiError 410 (the caller re-lists)', async () => {
    const server = await scriptedServer([
      { status: 410, body: { kind: 'Status', reason: 'Expired', code: 410 } },
    ]);
    const events = clientFor(server.url).watch(pods, undefined, { resourceVersion: '1' });
    const error = await (async () => {
      for await (const _ of events) void _;
    })().catch((e: unknown) => e);
    expect(isApiError(error, 410)).toBe(true);
  });

  test('a silent stream ends after the inactivity timeout', async () => {
    const silent = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
      // ...and then nothing, forever.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          silent.closeAllConnections();
          silent.close(() => resolve());
        }),
    );
    const client = clientFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      watching: { inactivityTimeout: 0.3 },
    });
    const began = Date.now();
    const types: string[] = [];
    for await (const event of client.watch(pods, 'ns', { resourceVersion: '0' })) types.push(event.type);
    expect(types).toEqual(['ADDED']);
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(Date.now() - began).toBeLessThan(2000);
  });
});
