/**
 * The operator's HTTP endpoint (`--liveness http://0.0.0.0:8080/healthz`): the liveness path answers
 * with the `kopf.on.probe` results as JSON `{ [probe id]: result }` (recomputed at most every 10 s,
 * as in Kopf; 500 if a probe fails), and `/metrics` serves Prometheus metrics.
 */
import { describeError } from '../structs/errors.ts';
import type { Server } from 'node:http';
import { getLogger } from '../structs/logging.ts';
import { http } from '../structs/node-http.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.ts';

/** Probe results are reused for this long (Kopf: 10 s). */
const PROBE_CACHE_SECONDS = 10;

export interface HealthServerOptions {
  /** `http://host:port/path` of the liveness endpoint. */
  endpoint: string;
  /** Computes the probe results (all probes once). */
  probe: () => Promise<Record<string, unknown>>;
}

export interface HealthServer {
  /** The port actually listened on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/** Start the HTTP server; resolves once it listens. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const url = new URL(options.endpoint);
  if (url.protocol !== 'http:') {
    throw new Error(`The liveness endpoint must be http://, got ${options.endpoint}.`);
  }
  const logger = getLogger('kopf.probing');
  const path = url.pathname || '/';
  let cached: { at: number; results: Promise<Record<string, unknown>> } | undefined;
  const probeCached = () => {
    // One computation at a time: concurrent requests share the pending promise.
    if (!cached || Date.now() - cached.at > PROBE_CACHE_SECONDS * 1000) {
      const results = options.probe();
      cached = { at: Date.now(), results };
      results.catch(() => (cached = undefined)); // a failure is not cached
    }
    return cached.results;
  };

  const server: Server = http.createServer((request, response) => {
    const requested = (request.url ?? '/').split('?')[0];
    const answer = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type });
      response.end(body);
    };
    if (requested === path) {
      probeCached().then(
        (results) => answer(200, 'application/json', JSON.stringify(results)),
        (error: unknown) => {
          const message = describeError(error);
          logger.error(`A liveness probe failed: ${message}`);
          answer(500, 'application/json', JSON.stringify({ error: message }));
        },
      );
    } else if (requested === '/metrics') {
      renderMetrics().then(
        (text) => answer(200, METRICS_CONTENT_TYPE, text),
        (error: unknown) => answer(500, 'text/plain', describeError(error)),
      );
    } else {
      answer(404, 'application/json', '{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(url.port || 80), url.hostname || 'localhost', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : Number(url.port || 80),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
