/**
 * The contract of the API-client layer: the only layer that talks HTTP to the Kubernetes API.
 * Everything above it (watching, processing, api) uses these interfaces and never builds requests itself.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { KubernetesObject } from '../structs/bodies.ts';

/** Raised for API answers that are errors after retries: carries the HTTP status and the Status body. */
export interface ApiErrorShape extends Error {
  readonly status: number;
  /** `reason` of the Kubernetes Status object, e.g. `NotFound`, `Forbidden`, `Conflict`, `Expired`. */
  readonly reason?: string;
  /** Method and path of the request, for messages that name the object. */
  readonly request: string;
}

export type PatchType = 'merge' | 'json';

export interface RequestOptions {
  signal?: AbortSignal;
}

/** One raw event of a watch stream, exactly as the API sends it. */
export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubernetesObject;
}

export interface ListOptions extends RequestOptions {
  /** At most this many objects in the answer (`limit`): the answer's `continueToken` asks for more. */
  limit?: number;
  /** The `continueToken` of the previous page: the next page of the same listing. */
  continueToken?: string;
  /** Only objects matching this label selector (`labelSelector`, e.g. `app=x,!skip`). */
  labelSelector?: string;
  /** Only the objects' metadata (`PartialObjectMetadata`): for those who need no more, e.g. the sharder. */
  metadataOnly?: boolean;
}

export interface ListResult {
  items: KubernetesObject[];
  resourceVersion: string;
  /** More objects follow: pass this as {@link ListOptions.continueToken}. Undefined on the last page. */
  continueToken?: string;
}

export interface WatchOptions extends RequestOptions {
  resourceVersion: string;
  /** Server-side `timeoutSeconds` of the watch request. */
  timeoutSeconds?: number;
  /** Only events of objects matching this label selector (`labelSelector`). */
  labelSelector?: string;
  /** Only the objects' metadata (`PartialObjectMetadata`), as in {@link ListOptions.metadataOnly}. */
  metadataOnly?: boolean;
}

/**
 * A Kubernetes API client with the retry policy of Kopf: connection errors, 5xx and 429 (honouring
 * Retry-After) are retried with backoff; 401 re-reads credentials; other 4xx are thrown as ApiErrorShape.
 */
export interface ApiClient {
  /**
   * List objects (all namespaces when `namespace` is undefined for a namespaced resource), or one
   * page of them (with `limit`). A `continueToken` whose snapshot expired fails with 410 Gone.
   */
  list(resource: ResourceInfo, namespace: string | undefined, options?: ListOptions): Promise<ListResult>;
  /**
   * Watch from `resourceVersion` with bookmarks. The iterable ends when the server closes the stream,
   * when the stream is silent past the inactivity timeout, or when the signal aborts; an ERROR event
   * (e.g. 410 Gone) is yielded as is, so the caller decides to relist.
   */
  watch(
    resource: ResourceInfo,
    namespace: string | undefined,
    options: WatchOptions,
  ): AsyncIterable<RawWatchEvent>;
  get(
    resource: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions,
  ): Promise<KubernetesObject>;
  create(
    resource: ResourceInfo,
    namespace: string | undefined,
    body: KubernetesObject,
    options?: RequestOptions,
  ): Promise<KubernetesObject>;
  /**
   * PATCH an object (or its `status` subresource). Returns the patched object, or `undefined` if the
   * object no longer exists (404), which operators treat as "nothing to do".
   */
  patch(
    resource: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options?: RequestOptions & { type?: PatchType; subresource?: 'status' },
  ): Promise<KubernetesObject | undefined>;
  delete(
    resource: ResourceInfo,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions,
  ): Promise<void>;
  /** Any other request (discovery, events, tokens): path relative to the server, JSON in and out. */
  request<T = unknown>(
    method: string,
    path: string,
    options?: RequestOptions & { body?: unknown; contentType?: string; query?: Record<string, string> },
  ): Promise<T>;
}
