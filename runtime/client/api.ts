/**
 * The API client: {@link createApiClient} implements the {@link ApiClient} contract over node:http(s)
 * with Kopf's retry policy (§5): connection errors, timeouts, 5xx and 429 are retried with
 * `settings.networking.errorBackoffs`; a 401 renews the credentials once (re-reads them, or runs the
 * login handlers again: credentials.ts's sendRenewingOnce, which watches use too) and replays; everything else
 * becomes an {@link ApiError} naming the request.
 */
import { apiVersionOf } from '../../common/resources.ts';
import type { KubeConfigLike } from './kubeconfig.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { getLogger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { credentialsCache, sendRenewingOnce, type CredentialsCache } from './credentials.ts';
import { ApiConnectionError, ApiError, isApiError, LoginError, parseStatus } from './errors.ts';
import { metadataOnlyAccept, resourcePath, withQuery } from './paths.ts';
import {
  isRetriableStatus,
  isStorageInitializing,
  retryAfterSeconds,
  retryDelay,
  retryLogLevel,
} from './retries.ts';
import { abortError, sleep } from '../structs/timing.ts';
import { exchangeText } from './transport.ts';
import type { ApiClient, ListResult, PatchType, RequestOptions } from './types.ts';
import { watchStream } from './watch.ts';

const logger = getLogger('kopf.clients');

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

interface CallOptions extends RequestOptions {
  body?: unknown;
  contentType?: string;
  accept?: string;
  query?: Record<string, string | undefined>;
}

/** An {@link ApiClient} that can also release its connections. */
export interface ClosableApiClient extends ApiClient {
  /** Close idle keep-alive connections (the client stays usable; new ones are opened on demand). */
  close(): void;
}

/**
 * Create an API client for the cluster of `kubeConfig`. `settings` is read at every request, so
 * changes made in startup handlers take effect.
 */
export function createApiClient(kubeConfig: KubeConfigLike, settings: OperatorSettings): ClosableApiClient {
  const credentials = credentialsCache(kubeConfig, () => settings.networking.trustEnv);

  async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const fullPath = withQuery(path, options.query);
    const text = await exchange(credentials, settings, method, fullPath, options);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  return {
    async list(resource, namespace, options = {}): Promise<ListResult> {
      const { limit, continueToken, labelSelector, metadataOnly, ...request } = options;
      const answer = await call<{
        items?: KubernetesObject[];
        kind?: string;
        metadata?: { resourceVersion?: string; continue?: string };
      }>('GET', resourcePath(resource, namespace), {
        ...request,
        ...(metadataOnly ? { accept: metadataOnlyAccept(true) } : {}),
        query: {
          limit: limit ? String(limit) : undefined,
          continue: continueToken || undefined,
          labelSelector: labelSelector || undefined,
        },
      });
      // List items come without kind/apiVersion; handlers and patches expect them (as in Kopf).
      // Filled in place: a copy of every item would double the listing's garbage.
      const kind = (!metadataOnly && answer.kind?.replace(/List$/, '')) || resource.kind;
      const apiVersion = apiVersionOf(resource);
      const items = answer.items ?? [];
      for (const item of items) {
        item.kind ??= kind;
        item.apiVersion ??= apiVersion;
      }
      const next = answer.metadata?.continue;
      return {
        items,
        resourceVersion: answer.metadata?.resourceVersion ?? '',
        ...(next ? { continueToken: next } : {}),
      };
    },

    watch(resource, namespace, options) {
      return watchStream(credentials, settings, resource, namespace, options);
    },

    get(resource, namespace, name, options) {
      return call<KubernetesObject>('GET', resourcePath(resource, namespace, name), options);
    },

    create(resource, namespace, body, options) {
      return call<KubernetesObject>('POST', resourcePath(resource, namespace), { ...options, body });
    },

    async patch(resource, namespace, name, body, options = {}) {
      const type = options.type ?? 'merge';
      try {
        return await call<KubernetesObject>(
          'PATCH',
          resourcePath(resource, namespace, name, options.subresource),
          {
            ...(options.signal ? { signal: options.signal } : {}),
            body,
            contentType: PATCH_CONTENT_TYPES[type],
          },
        );
      } catch (error) {
        if (isApiError(error, 404)) return undefined; // the object is gone: nothing to patch
        throw error;
      }
    },

    async delete(resource, namespace, name, options) {
      try {
        await call('DELETE', resourcePath(resource, namespace, name), options);
      } catch (error) {
        if (!isApiError(error, 404)) throw error; // already gone is what we wanted
      }
    },

    request<T = unknown>(
      method: string,
      path: string,
      options: RequestOptions & { body?: unknown; contentType?: string; query?: Record<string, string> } = {},
    ): Promise<T> {
      return call<T>(method, path, options);
    },

    close() {
      credentials.close();
    },
  };
}

/** One request with retries; resolves with the body text of a 2xx answer. */
async function exchange(
  credentials: CredentialsCache,
  settings: OperatorSettings,
  method: string,
  path: string,
  options: CallOptions,
): Promise<string> {
  const label = `${method} ${path}`;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const backoffs = settings.networking.errorBackoffs;
  const attempts = backoffs.length + 1;
  let retriedStaleSocket = false;
  for (let attempt = 1; ; attempt++) {
    const { signal } = options;
    if (signal?.aborted) throw abortError(signal);
    let failure: { error: Error; retryAfter?: number; expected?: boolean };
    try {
      const connectTimeout = settings.networking.connectTimeout;
      const { status, headers, text } = await sendRenewingOnce(credentials, label, (connection) =>
        exchangeText(connection, {
          method,
          path,
          ...(body !== undefined ? { body, contentType: options.contentType ?? 'application/json' } : {}),
          ...(options.accept ? { accept: options.accept } : {}),
          ...(signal ? { signal } : {}),
          timeout: settings.networking.requestTimeout,
          http2: settings.networking.http2,
          ...(connectTimeout !== undefined ? { answerTimeout: connectTimeout } : {}),
        }),
      );
      if (status >= 200 && status < 300) return text;
      const statusBody = parseStatus(text);
      const error = new ApiError({
        status,
        request: label,
        ...(statusBody ? { body: statusBody } : {}),
        text,
      });
      if (!isRetriableStatus(status)) throw error;
      const retryAfter = status === 429 ? retryAfterSeconds(headers['retry-after'], statusBody) : undefined;
      failure = {
        error,
        expected: isStorageInitializing(status, statusBody?.message),
        ...(retryAfter !== undefined ? { retryAfter } : {}),
      };
    } catch (error) {
      if (error instanceof ApiError || error instanceof LoginError) throw error;
      if (signal?.aborted) throw abortError(signal);
      if (isUnprocessed(error) && !retriedStaleSocket) {
        // The server closed an idle keep-alive connection just as we reused it, or refused an HTTP/2
        // stream (its limit, its GOAWAY): the request was not processed, and that is no real failure.
        retriedStaleSocket = true;
        attempt--;
        continue;
      }
      failure = {
        error: error instanceof ApiConnectionError ? error : new ApiConnectionError(label, error),
      };
    }
    const backoff = backoffs[attempt - 1];
    if (backoff === undefined) throw failure.error;
    const delay = retryDelay(backoff, failure.retryAfter, settings.networking.enforceRetryAfter);
    logger[retryLogLevel(failure.expected === true, attempt)](
      `Request attempt #${attempt}/${attempts} failed; will try again in ${delay} s: ${failure.error.message}`,
    );
    await sleep(delay, signal);
  }
}

function isUnprocessed(error: unknown): boolean {
  const failure = error as { reusedSocket?: boolean; code?: string; unprocessed?: boolean } | null;
  return (failure?.reusedSocket === true && failure.code === 'ECONNRESET') || failure?.unprocessed === true;
}
