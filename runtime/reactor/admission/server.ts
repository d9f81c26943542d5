/**
 * `kopf.WebhookServer`: the HTTPS endpoint the API server sends AdmissionReviews to. Without
 * certificate files it generates a CA and a serving certificate at start (SANs: `host`, `addr`,
 * the Service's DNS names, `extraSans`) and puts the CA into the client config's `caBundle`.
 *
 * Bad requests never reach the handlers and never stop the server: a wrong method (405), an
 * unknown path (404), a wrong content type (415), a body over `maxBodySize` (413), or a body that
 * is not an AdmissionReview (400) are answered at once and logged.
 */
import { access, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describeError } from '../../structs/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import { http } from '../../structs/node-http.ts';
import {
  WebhookRequestError,
  type WebhookClientConfig,
  type WebhookFn,
  type WebhookServerLike,
} from '../../structs/reviews.ts';
import { generateCertificate } from './certificates.ts';

export interface WebhookServerOptions {
  /** The address to listen on (default: all interfaces). */
  addr?: string;
  /** The port to listen on (default: a free port chosen by the OS). */
  port?: number;
  /** The URL path under which the webhooks are served (`<path>/<handler id>`); default: the root. */
  path?: string;
  /** The host name the API server uses in the URL (default: `addr`, or `localhost` when listening on all interfaces). */
  host?: string;
  /** The serving certificate (PEM) and its key; without them a self-signed pair is generated. */
  certFile?: string;
  keyFile?: string;
  /** The CA (PEM) that signed `certFile`, for the `caBundle` (default: `certFile` itself, as self-signed). */
  caFile?: string;
  /**
   * A directory with `tls.crt`, `tls.key` and optionally `ca.crt` — a mounted `kubernetes.io/tls`
   * Secret (cert-manager's has `ca.crt`). Used when the files are there; otherwise a certificate is
   * generated (so an optional Secret mount works with and without the Secret).
   */
  certDir?: string;
  /** More names or addresses for the generated certificate. */
  extraSans?: readonly string[];
  /** Plain HTTP instead of HTTPS (the API server accepts only HTTPS: for use behind a TLS proxy). */
  insecure?: boolean;
  /**
   * In-cluster mode: the client config points at this Service (which forwards to `port`) instead of
   * a URL; a generated certificate has the Service's DNS names as SANs.
   */
  service?: { name: string; namespace: string; port?: number; path?: string };
  /** Bodies larger than this many bytes are refused with 413 (default 16 MiB). */
  maxBodySize?: number;
}

/** AdmissionReviews carry the object twice (old and new); objects are at most ~1.5 MiB in etcd. */
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
/** Requests in flight get this long to finish when the server stops (the API server waits at most 30 s). */
const CLOSE_GRACE_MS = 5_000;

/** A local (or in-cluster) HTTPS webhook server; put it into `settings.admission.server`. */
export class WebhookServer implements WebhookServerLike {
  readonly options: Readonly<WebhookServerOptions>;
  /** The port actually listened on, once serving (useful with the default random port). */
  port: number | undefined;

  constructor(options: WebhookServerOptions = {}) {
    if ((options.certFile === undefined) !== (options.keyFile === undefined))
      throw new TypeError('WebhookServer: `certFile` and `keyFile` go together.');
    if (options.certDir !== undefined && options.certFile !== undefined)
      throw new TypeError('WebhookServer: give either `certDir` or `certFile`/`keyFile`, not both.');
    if (options.insecure && (options.certFile !== undefined || options.certDir !== undefined))
      throw new TypeError('WebhookServer: `insecure` serves plain HTTP; it takes no certificate.');
    this.options = { ...options };
  }

  /** The DNS names and addresses a generated certificate is made for. */
  sans(): string[] {
    const { addr, host, service, extraSans = [] } = this.options;
    const names = [host ?? defaultHost(addr)];
    if (addr !== undefined && !isWildcard(addr)) names.push(addr);
    if (service) {
      const { name, namespace } = service;
      names.push(
        name,
        `${name}.${namespace}`,
        `${name}.${namespace}.svc`,
        `${name}.${namespace}.svc.cluster.local`,
      );
    }
    return [...new Set([...names, ...extraSans])];
  }

  async *serve(fn: WebhookFn, signal: AbortSignal): AsyncIterable<WebhookClientConfig> {
    const logger = getLogger('kopf.webhooks');
    const tls = this.options.insecure ? undefined : await this.#tls();
    const prefix = normalizePath(this.options.path);
    const maxBody = this.options.maxBodySize ?? DEFAULT_MAX_BODY;
    const inFlight = new Set<Promise<void>>();
    const listener = (request: IncomingMessage, response: ServerResponse) => {
      const done = answer(request, response, { fn, prefix, maxBody }).catch((error: unknown) => {
        logger.exception('The webhook server failed to answer a request', error);
        if (!response.headersSent) reply(response, 500, { error: 'internal error' });
      });
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    };
    const server = tls
      ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener)
      : http.createServer(listener);
    const { addr } = this.options;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const where = `${addr ?? '*'}:${this.options.port ?? 0}`;
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(`The webhook server cannot listen on ${where}: the port is already in use.`)
            : new Error(`The webhook server cannot listen on ${where}: ${error.message}`, { cause: error }),
        );
      });
      server.listen(
        { port: this.options.port ?? 0, ...(addr && !isWildcard(addr) ? { host: addr } : {}) },
        resolve,
      );
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    const config = this.#clientConfig(prefix, tls?.ca);
    logger.info(`Serving admission webhooks at ${describe(config)}.`);
    try {
      yield config;
      if (!signal.aborted)
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    } finally {
      // Stop accepting; let requests in flight be answered (the API server is waiting for them).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([
        Promise.all(inFlight),
        new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS)),
      ]);
      server.closeAllConnections();
      await closed;
      logger.info('The webhook server has stopped.');
    }
  }

  async #tls(): Promise<{ cert: string; key: string; ca: string }> {
    const { certDir } = this.options;
    const { certFile, keyFile, caFile } = certDir === undefined ? this.options : await filesIn(certDir);
    if (certFile !== undefined && keyFile !== undefined) {
      const read = async (file: string, what: string) => {
        try {
          return await readFile(file, 'utf8');
        } catch (error) {
          throw new Error(`The webhook server cannot read its ${what} ${file}: ${describeError(error)}`);
        }
      };
      const cert = await read(certFile, 'certificate');
      const key = await read(keyFile, 'private key');
      return { cert, key, ca: caFile === undefined ? cert : await read(caFile, 'CA') };
    }
    return generateCertificate(this.sans());
  }

  #clientConfig(prefix: string, ca: string | undefined): WebhookClientConfig {
    const caBundle = ca === undefined ? {} : { caBundle: Buffer.from(ca).toString('base64') };
    const { service } = this.options;
    if (service) {
      const path = service.path === undefined ? prefix : normalizePath(service.path);
      return {
        service: {
          name: service.name,
          namespace: service.namespace,
          port: service.port ?? this.port ?? 443,
          ...(path ? { path } : {}),
        },
        ...caBundle,
      };
    }
    const host = this.options.host ?? defaultHost(this.options.addr);
    const hostPart = isIP(host) === 6 ? `[${host}]` : host;
    const scheme = this.options.insecure ? 'http' : 'https';
    return { url: `${scheme}://${hostPart}:${this.port}${prefix}`, ...caBundle };
  }
}

/**
 * Options for a server at `https://host:port/path` (`kopf run --webhook-server URL`): it listens on
 * `host` when that is an IP address, else on all interfaces; no port means a free one; `http://`
 * is the insecure mode. A host `NAME.NAMESPACE.svc` is the in-cluster mode: the API server calls
 * the Service NAME in NAMESPACE at PORT (which must forward to the same port of the operator's pod).
 */
export function webhookServerOptions(url: string): WebhookServerOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new TypeError(`A webhook server URL must be https:// (or http://), not ${url}.`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? { port: Number(parsed.port) } : {};
  const path = parsed.pathname !== '/' ? { path: parsed.pathname } : {};
  const insecure = parsed.protocol === 'http:' ? { insecure: true } : {};
  const service = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?$/.exec(host);
  if (service) {
    if (!parsed.port)
      throw new TypeError(`A webhook Service URL needs the port, as in https://${host}:9443.`);
    return {
      ...port,
      ...path,
      ...insecure,
      service: { name: service[1]!, namespace: service[2]!, port: Number(parsed.port) },
    };
  }
  return { host, ...(isIP(host) ? { addr: host } : {}), ...port, ...path, ...insecure };
}

/** The certificate files of a mounted TLS Secret, if it has them. */
async function filesIn(dir: string): Promise<Pick<WebhookServerOptions, 'certFile' | 'keyFile' | 'caFile'>> {
  const file = (name: string) => join(dir, name);
  const exists = async (name: string) =>
    access(file(name)).then(
      () => true,
      () => false,
    );
  if (!(await exists('tls.crt')) || !(await exists('tls.key'))) {
    getLogger('kopf.webhooks').info(`No tls.crt/tls.key in ${dir}: generating a certificate.`);
    return {};
  }
  return {
    certFile: file('tls.crt'),
    keyFile: file('tls.key'),
    ...((await exists('ca.crt')) ? { caFile: file('ca.crt') } : {}),
  };
}

interface Answering {
  fn: WebhookFn;
  prefix: string;
  maxBody: number;
}

/** One HTTP request: checked, read within the cap, handed to the engine, answered. */
async function answer(request: IncomingMessage, response: ServerResponse, how: Answering): Promise<void> {
  const logger = getLogger('kopf.webhooks');
  const refuse = (status: number, message: string) => {
    logger.warning(`Webhook request ${request.method} ${request.url} is refused (${status}): ${message}`);
    reply(response, status, { error: message });
  };
  const url = new URL(request.url ?? '/', 'http://webhook');
  const webhook = matchPath(url.pathname, how.prefix);
  if (webhook === null) return refuse(404, `no webhooks at ${url.pathname}`);
  if (request.method !== 'POST') return refuse(405, 'only POST is served');
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return refuse(415, `content type must be application/json, not '${type}'`);
  // Too large: answer, and close the connection rather than read (or keep) the rest.
  const tooLarge = (message: string) => {
    response.setHeader('connection', 'close');
    response.once('finish', () => request.destroy());
    refuse(413, message);
  };
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > how.maxBody)
    return tooLarge(`the body of ${declared} bytes exceeds the limit of ${how.maxBody}`);
  const body = await readBody(request, how.maxBody);
  if (body === undefined) return tooLarge(`the body exceeds the limit of ${how.maxBody} bytes`);
  let review: unknown;
  try {
    review = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return refuse(400, `the body is not JSON: ${describeError(error)}`);
  }
  const tlsSocket = request.socket as Partial<TLSSocket>;
  const peer = tlsSocket.getPeerCertificate?.() ?? {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  try {
    const result = await how.fn(review, {
      headers,
      sslpeer: Object.keys(peer).length ? { ...peer } : {},
      webhook: webhook || undefined,
    });
    reply(response, 200, result);
  } catch (error) {
    if (!(error instanceof WebhookRequestError)) throw error;
    refuse(400, error.message);
  }
}

/** The body, or `undefined` once it grows beyond `max` bytes (chunked bodies have no length up front). */
function readBody(request: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.removeAllListeners('data');
        request.pause();
        resolve(undefined);
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The handler id in `<prefix>/<id>` (`''` for the prefix itself), or `null` for other paths. */
function matchPath(pathname: string, prefix: string): string | null {
  const path = pathname.replace(/\/+$/, '');
  if (path === prefix) return '';
  if (!path.startsWith(`${prefix}/`)) return null;
  const rest = path.slice(prefix.length + 1);
  if (rest.includes('/')) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

/** `''` for the root, else `/a/b` without a trailing slash. */
function normalizePath(path: string | undefined): string {
  const trimmed = (path ?? '').replace(/\/+$/, '');
  return trimmed === '' || trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function isWildcard(addr: string): boolean {
  return addr === '' || addr === '0.0.0.0' || addr === '::';
}

function defaultHost(addr: string | undefined): string {
  return addr === undefined || isWildcard(addr) ? 'localhost' : addr;
}

function describe(config: WebhookClientConfig): string {
  if (config.url) return config.url;
  const { service } = config;
  return `service ${service?.namespace}/${service?.name}:${service?.port}${service?.path ?? ''}`;
}
