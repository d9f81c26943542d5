/**
 * One HTTP exchange with the API server over node:http(s), nothing more: no retries, no parsing.
 * Ordinary requests come back whole ({@link exchangeText}); watches as streams ({@link send}), read
 * line by line.
 */
import http from 'node:http';
import https from 'node:https';
import type { Connection } from './credentials.ts';
import { abortError } from '../structs/timing.ts';

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
}

/** Send a request; resolves with the response (body unread) once the status line arrives. */
export function send(connection: Connection, options: SendOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = openRequest(connection, options, options.signal);
    let timer: NodeJS.Timeout | undefined;
    if (options.answerTimeout !== undefined) {
      timer = setTimeout(() => {
        request.destroy(new Error(`no answer within ${options.answerTimeout} s`));
      }, options.answerTimeout * 1000);
    }
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(markReusedSocket(request, error));
    });
    request.end(options.body);
  });
}

/** A whole answer of an ordinary (non-streaming) request. */
export interface TextAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
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
    const request = openRequest(connection, options, undefined);
    let answerTimer: NodeJS.Timeout | undefined;
    let done = false;
    /** Settle once: clear the timers and the listener; on an error, drop the connection. */
    const finish = (error?: Error): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      clearTimeout(answerTimer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
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
    signal?.addEventListener('abort', onAbort, { once: true });
    request.once('response', (response) => {
      clearTimeout(answerTimer);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      // `on`, not `once`: destroying the request after a failure may emit a second error.
      response.on('error', (error) => finish(error));
      response.once('aborted', () =>
        finish(new Error('the connection closed before the answer was complete')),
      );
      response.once('end', () => {
        const text =
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        if (finish()) resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
      });
    });
    request.on('error', (error) => finish(markReusedSocket(request, error)));
    if (signal?.aborted) onAbort();
    else request.end(options.body);
  });
}

function openRequest(
  connection: Connection,
  options: SendOptions,
  signal: AbortSignal | undefined,
): http.ClientRequest {
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
function markReusedSocket(request: http.ClientRequest, error: Error): Error {
  if (request.reusedSocket) Object.assign(error, { reusedSocket: true });
  return error;
}

/** Read a whole response body as text (time limits come from the request's signal). */
export async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
