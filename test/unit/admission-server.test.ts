/**
 * `kopf.WebhookServer` on its own: HTTPS with a generated CA the client config carries, and bad
 * requests answered with 4xx and a log line while the server keeps serving. (The API server calling
 * it for real is in test/e2e/admission-*.test.ts.)
 */
import { request as httpsRequest } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificate } from '../../runtime/reactor/admission/certificates.ts';
import { WebhookServer } from '../../runtime/reactor/admission/server.ts';
import { holdPort, type HeldPort } from '../setup/ports.ts';
import { addLogListener, configureLogging, type LogRecord } from '../../runtime/structs/logging.ts';
import {
  WebhookRequestError,
  type WebhookClientConfig,
  type WebhookFn,
} from '../../runtime/structs/reviews.ts';

configureLogging({ write: () => undefined });

interface Answer {
  status: number;
  body: string;
}

/** POST (or another method) to the server over TLS, trusting only the client config's CA. */
function send(
  config: WebhookClientConfig,
  options: { path?: string; method?: string; type?: string; body?: string | Buffer; servername?: string },
): Promise<Answer> {
  const url = new URL(config.url!);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: options.path ?? url.pathname,
        method: options.method ?? 'POST',
        ca: Buffer.from(config.caBundle!, 'base64').toString(),
        ...(options.servername ? { servername: options.servername } : {}),
        headers: { 'content-type': options.type ?? 'application/json' },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      // The server may answer 413 and drop the rest of a huge upload.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: -1, body: error.code });
      else reject(error);
    });
    request.end(options.body ?? '');
  });
}

const REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u1' },
});

describe('a webhook server with a generated certificate', () => {
  const stop = new AbortController();
  const records: LogRecord[] = [];
  const seen: { review: unknown; webhook: string | undefined }[] = [];
  let config: WebhookClientConfig;
  let unlisten: () => void;
  const fn: WebhookFn = async (review, context) => {
    seen.push({ review, webhook: context.webhook });
    if ((review as { request?: { uid?: string } }).request?.uid === 'bad')
      throw new WebhookRequestError('no such review');
    return {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u1', allowed: true },
    };
  };
  let iterator: AsyncIterator<WebhookClientConfig>;

  beforeAll(async () => {
    unlisten = addLogListener((record) => records.push(record));
    const server = new WebhookServer({ addr: '127.0.0.1', path: '/hooks', maxBodySize: 64 * 1024 });
    iterator = server.serve(fn, stop.signal)[Symbol.asyncIterator]();
    config = (await iterator.next()).value as WebhookClientConfig;
  });
  afterAll(async () => {
    stop.abort();
    await iterator.next();
    unlisten();
  });

  it('gives a URL with the listen address and the path, and the CA that signed a certificate for it', () => {
    expect(config.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/hooks$/);
    const ca = new X509Certificate(Buffer.from(config.caBundle!, 'base64'));
    expect(ca.ca).toBe(true);
  });

  it('serves HTTPS that verifies against the caBundle, and passes the handler id from the path', async () => {
    const answer = await send(config, { path: '/hooks/validate1', body: REVIEW });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ response: { uid: 'u1', allowed: true } });
    expect(seen.at(-1)?.webhook).toBe('validate1');
  });

  it.each([
    ['an unknown path', { path: '/elsewhere', body: REVIEW }, 404],
    ['a GET', { method: 'GET' }, 405],
    ['a wrong content type', { type: 'text/plain', body: REVIEW }, 415],
    ['a body that is not JSON', { body: '{"apiVersion": ' }, 400],
    ['a review the engine refuses', { body: JSON.stringify({ request: { uid: 'bad' } }) }, 400],
    ['a huge body', { body: Buffer.alloc(256 * 1024, 'x') }, 413],
  ] as const)('answers %s with a 4xx and a log line, and keeps serving', async (_what, options, status) => {
    const before = records.length;
    const answer = await send(config, options);
    if (answer.status !== -1) expect(answer.status).toBe(status);
    expect(
      records
        .slice(before)
        .map((r) => r.message)
        .join('\n'),
    ).toContain(`(${status})`);
    expect((await send(config, { body: REVIEW })).status).toBe(200);
  });
});

describe('starting a webhook server', () => {
  let held: HeldPort;
  beforeAll(async () => (held = await holdPort()));
  afterAll(() => held.release());

  it('fails clearly when the port is already taken', async () => {
    const server = new WebhookServer({ addr: '127.0.0.1', port: held.port, insecure: true });
    const iterator = server
      .serve(async () => ({}) as never, new AbortController().signal)
      [Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(
      `cannot listen on 127.0.0.1:${held.port}: the port is already in use`,
    );
  });

  it('names the file it cannot read', async () => {
    const server = new WebhookServer({ certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' });
    const iterator = server
      .serve(async () => ({}) as never, new AbortController().signal)
      [Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow('cannot read its certificate /nonexistent/tls.crt');
  });

  it('makes a certificate for the Service DNS names in the in-cluster mode, and points the client config at it', async () => {
    const stop = new AbortController();
    const server = new WebhookServer({
      port: 0,
      service: { name: 'op-webhooks', namespace: 'ops', port: 443 },
    });
    expect(server.sans()).toEqual([
      'localhost',
      'op-webhooks',
      'op-webhooks.ops',
      'op-webhooks.ops.svc',
      'op-webhooks.ops.svc.cluster.local',
    ]);
    const iterator = server.serve(async () => ({}) as never, stop.signal)[Symbol.asyncIterator]();
    const config = (await iterator.next()).value as WebhookClientConfig;
    stop.abort();
    await iterator.next();
    expect(config.service).toEqual({ name: 'op-webhooks', namespace: 'ops', port: 443 });
    expect(config.url).toBeUndefined();
    expect(config.caBundle).toBeTruthy();
  });
});

describe('a webhook server with a certificate directory (a mounted TLS Secret)', () => {
  it('uses tls.crt/tls.key/ca.crt when they are there, and generates a certificate when not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kopf-tls-'));
    const serve = async (server: WebhookServer) => {
      const stop = new AbortController();
      const iterator = server.serve(async () => ({}) as never, stop.signal)[Symbol.asyncIterator]();
      const config = (await iterator.next()).value as WebhookClientConfig;
      stop.abort();
      await iterator.next();
      return Buffer.from(config.caBundle!, 'base64').toString();
    };
    const generated = await serve(new WebhookServer({ addr: '127.0.0.1', certDir: dir }));
    expect(generated).toContain('BEGIN CERTIFICATE');
    const pair = await generateCertificate(['127.0.0.1']);
    writeFileSync(join(dir, 'tls.crt'), pair.cert);
    writeFileSync(join(dir, 'tls.key'), pair.key);
    writeFileSync(join(dir, 'ca.crt'), pair.ca);
    expect(await serve(new WebhookServer({ addr: '127.0.0.1', certDir: dir }))).toBe(pair.ca);
  });
});
