/**
 * One HTTP exchange with the API server, nothing more: no retries, no parsing. Over HTTP/1.1
 * (node:http(s), pooled agents) or, when asked for and negotiated, as a stream of an HTTP/2 session
 * (http2.ts). Ordinary requests come back whole ({@link exchangeText}); watches as streams
 * ({@link send}), read line by line.
 */
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Connection } from './credentials.ts';
import type { Http2Sessions } from './http2.ts';
import { http } from '../structs/node-http.ts';
import { abortError, whenAborted } from '../structs/timing.ts';

export interface SendOptions {
  method: string;
  /** Path and query, relative to the server, e.g. `/api/v1/pods?watch=true`. */
  path: string;
  body?: string;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  /** Fail if no answer (status line) arrives within this many seconds. */
  answerTimeout?: number;
  /** A long-lived streaming request (a watch): it gets a connection of its own, outside the pool. */
  streaming?: boolean;
  /** Over HTTP/2 if the server negotiates it (`settings.networking.http2`); else HTTP/1.1. */
  http2?: boolean;
}

/** An answer whose body is read as it arrives (a watch). */
export interface StreamingAnswer {
  status: number;
  body: AsyncIterable<Buffer>;
  /** Stop reading: drops the HTTP/1.1 connection, or cancels the HTTP/2 stream, unless already complete. */
  close(): void;
}

/** Send a request; resolves with the answer (body unread) once the status line arrives. */
export function send(connection: Connection, options: SendOptions): Promise<StreamingAnswer> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    if (options.answerTimeout !== undefined) {
      const seconds = options.answerTimeout;
      timer = setTimeout(() => {
        started.then((exchange) => exchange?.cancel(), reject);
        reject(new Error(`no answer within ${seconds} s`));
      }, seconds * 1000);
    }
    const started = start(connection, options, options.signal, {
      answer(status, _headers, body, close) {
        clearTimeout(timer);
        resolve({ status, body, close });
      },
      failed(error) {
        clearTimeout(timer);
        reject(error);
      },
    });
    started.catch(() => undefined);
  });
}

/** A whole answer of an ordinary (non-streaming) request. */
export interface TextAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Raised by {@link exchangeText} when the whole exchange took longer than its `timeout`. */
export class RequestTimeoutError extends Error {
  constructor(seconds: number) {
    super(`timed out after ${seconds} s (networking.requestTimeout)`);
    this.name = 'RequestTimeoutError';
  }
}

/**
 * Send a request and read its whole answer, within `timeout` seconds for everything. The cheap way:
 * one timer and at most one listener on the caller's signal per request — not an AbortSignal.timeout()
 * combined with AbortSignal.any(), whose listeners and DOMException stacks showed up in the CPU
 * profile of bursts. Rejects with a {@link RequestTimeoutError}, the signal's reason, or the
 * connection's error.
 */
export function exchangeText(
  connection: Connection,
  options: SendOptions & { timeout: number },
): Promise<TextAnswer> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    let exchange: Exchange | undefined;
    let answerTimer: NodeJS.Timeout | undefined;
    let stopWaiting: (() => void) | undefined;
    let done = false;
    /** Settle once: clear the timers and the listener; on an error, drop the request. */
    const finish = (error?: Error): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      clearTimeout(answerTimer);
      stopWaiting?.();
      if (error) {
        exchange?.cancel();
        reject(error);
      }
      return true;
    };
    const onAbort = () => {
      if (signal) finish(abortError(signal));
    };
    const timer = setTimeout(() => finish(new RequestTimeoutError(options.timeout)), options.timeout * 1000);
    if (options.answerTimeout !== undefined) {
      const seconds = options.answerTimeout;
      answerTimer = setTimeout(() => finish(new Error(`no answer within ${seconds} s`)), seconds * 1000);
    }
    if (signal) stopWaiting = whenAborted(signal, onAbort);
    if (done) return; // aborted already
    void start(connection, options, undefined, {
      answer(status, headers, body) {
        clearTimeout(answerTimer);
        const chunks: Buffer[] = [];
        body.on('data', (chunk: Buffer) => chunks.push(chunk));
        // `on`, not `once`: destroying the request after a failure may emit a second error.
        body.on('error', (error) => finish(error));
        body.once('aborted', () => finish(new Error('the connection closed before the answer was complete')));
        body.once('end', () => {
          const text =
            chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          if (finish()) resolve({ status, headers, text });
        });
      },
      failed: (error) => finish(error),
    }).then((started) => {
      exchange = started;
      if (done) started?.cancel(); // settled (timed out, aborted) while the session was being opened
    });
  });
}

/** What a started request reports, once: its answer (status, headers, the body to read), or a failure. */
interface AnswerHandlers {
  answer(status: number, headers: IncomingHttpHeaders, body: Readable, close: () => void): void;
  failed(error: Error): void;
}

/** A request in flight. */
interface Exchange {
  /** Drop it (the HTTP/1.1 connection, or the HTTP/2 stream). */
  cancel(): void;
}

/**
 * Start a request over HTTP/2 when asked for and the server negotiated it, else over HTTP/1.1.
 * Resolves once the request is on its way (`undefined` if it failed before: `failed` was called).
 */
async function start(
  connection: Connection,
  options: SendOptions,
  signal: AbortSignal | undefined,
  handlers: AnswerHandlers,
): Promise<Exchange | undefined> {
  if (options.http2 && connection.http2) {
    let lease: Awaited<ReturnType<Http2Sessions['acquire']>>;
    try {
      lease = await connection.http2.acquire(options.streaming === true);
    } catch (error) {
      handlers.failed(asUnprocessed(error));
      return undefined;
    }
    if (lease) return startHttp2(connection, lease, options, signal, handlers);
  }
  return startHttp1(connection, options, signal, handlers);
}

function startHttp1(
  connection: Connection,
  options: SendOptions,
  signal: AbortSignal | undefined,
  handlers: AnswerHandlers,
): Exchange {
  const request = openRequest(connection, options, signal);
  request.once('response', (response) => {
    handlers.answer(response.statusCode ?? 0, response.headers, response, () => {
      if (!response.complete) response.destroy();
    });
  });
  request.on('error', (error) => handlers.failed(markReusedSocket(request, error)));
  request.end(options.body);
  return { cancel: () => request.destroy() };
}

function startHttp2(
  connection: Connection,
  lease: { session: http2.ClientHttp2Session; release: () => void },
  options: SendOptions,
  signal: AbortSignal | undefined,
  handlers: AnswerHandlers,
): Exchange {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': options.method,
    ':path': options.path,
    accept: options.accept ?? 'application/json',
    'user-agent': 'kopf-ts',
    ...http2Headers(connection),
  };
  if (options.body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    headers['content-length'] = Buffer.byteLength(options.body);
  }
  let stream: http2.ClientHttp2Stream;
  try {
    stream = lease.session.request(headers, {
      endStream: options.body === undefined,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    lease.release();
    handlers.failed(asUnprocessed(error));
    return { cancel: () => undefined };
  }
  stream.once('close', lease.release);
  stream.once('response', (answer) => {
    // The pseudo-header `:status` stays among the headers: no copy per answer.
    handlers.answer(Number(answer[':status'] ?? 0), answer as IncomingHttpHeaders, stream, () => {
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    });
  });
  stream.on('error', (error) => handlers.failed(markRefusedStream(error)));
  if (options.body !== undefined) stream.end(options.body);
  return {
    cancel: () => {
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
    },
  };
}

/** The connection's own headers (credentials) as HTTP/2 wants them: lower-case, no connection headers. */
const http2HeadersOf = new WeakMap<Connection, Record<string, string>>();

function http2Headers(connection: Connection): Record<string, string> {
  let headers = http2HeadersOf.get(connection);
  if (!headers) {
    headers = {};
    for (const [name, value] of Object.entries(connection.headers)) {
      const lower = name.toLowerCase();
      if (!CONNECTION_HEADERS.has(lower)) headers[lower] = value;
    }
    http2HeadersOf.set(connection, headers);
  }
  return headers;
}

/** Headers that are about one HTTP/1.1 connection: forbidden in HTTP/2 (RFC 9113 §8.2.2). */
const CONNECTION_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A stream the server refused (REFUSED_STREAM, e.g. above its limit or after its GOAWAY) was never
 * processed: the retry logic may replay it at once, as a request on a stale kept-alive socket.
 */
function markRefusedStream(error: Error): Error {
  const code = (error as { code?: string }).code;
  if (
    code === 'ERR_HTTP2_GOAWAY_SESSION' ||
    code === 'ERR_HTTP2_INVALID_SESSION' ||
    (code === 'ERR_HTTP2_STREAM_ERROR' && error.message.includes('NGHTTP2_REFUSED_STREAM'))
  ) {
    Object.assign(error, { unprocessed: true });
  }
  return error;
}

/** An error that happened before the request was sent: it was certainly not processed. */
function asUnprocessed(error: unknown): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  return Object.assign(failure, { unprocessed: true });
}

function openRequest(
  connection: Connection,
  options: SendOptions,
  signal: AbortSignal | undefined,
): ClientRequest {
  const url = new URL(connection.server + options.path);
  const headers: Record<string, string> = {
    ...connection.headers,
    Accept: options.accept ?? 'application/json',
    'User-Agent': 'kopf-ts',
  };
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  }
  const requestOptions: https.RequestOptions = {
    method: options.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    headers,
    agent: options.streaming ? connection.watchAgent : connection.agent,
    ...(signal ? { signal } : {}),
    ...(connection.servername ? { servername: connection.servername } : {}),
  };
  return (connection.secure ? https : http).request(requestOptions);
}

/** Tell the retry logic whether a kept-alive connection was reused (a routine race, see api.ts). */
function markReusedSocket(request: ClientRequest, error: Error): Error {
  if (request.reusedSocket) Object.assign(error, { reusedSocket: true });
  return error;
}

/** Read a whole response body as text (time limits come from the request's signal). */
export async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
