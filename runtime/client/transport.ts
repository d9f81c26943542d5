/**
 * One HTTP exchange with the API server over node:http(s), nothing more: no retries, no parsing.
 * Answers come back as streams so that watches can be read line by line.
 */
import http from 'node:http';
import https from 'node:https';
import type { Connection } from './credentials.ts';

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
      ...(options.signal ? { signal: options.signal } : {}),
      ...(connection.servername ? { servername: connection.servername } : {}),
    };
    const request = (connection.secure ? https : http).request(requestOptions);
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
      // Tell the retry logic whether a kept-alive connection was reused (a routine race, see api.ts).
      if (request.reusedSocket) Object.assign(error, { reusedSocket: true });
      reject(error);
    });
    request.end(options.body);
  });
}

/** Read a whole response body as text (time limits come from the request's signal). */
export async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
