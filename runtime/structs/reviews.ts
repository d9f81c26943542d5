/**
 * Admission webhooks on the wire: the AdmissionReview request and response (admission.k8s.io/v1,
 * v1beta1 has the same shape), the client config a webhook configuration points the API server
 * with, and the contract between the admission engine and a webhook server.
 */
import type { KubernetesObject } from './bodies.ts';

/** The admission operations the API server reviews. */
export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export const ADMISSION_OPERATIONS: readonly AdmissionOperation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** `request.userInfo`: who made the API request under review. */
export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** `request` of an AdmissionReview. */
export interface AdmissionRequest {
  uid: string;
  kind?: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind?: { group: string; version: string; kind: string };
  requestResource?: { group: string; version: string; resource: string };
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: UserInfo;
  object?: KubernetesObject | null;
  oldObject?: KubernetesObject | null;
  dryRun?: boolean;
  options?: Record<string, unknown> | null;
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
}

/** `response` of an AdmissionReview. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { message: string; code: number };
  warnings?: string[];
  /** Base64 of a JSON-patch (RFC 6902) for mutating webhooks. */
  patch?: string;
  patchType?: 'JSONPatch';
}

export interface AdmissionResponseReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** How the API server reaches a webhook: a URL, or a Service in the cluster; plus the CA to trust. */
export interface WebhookClientConfig {
  url?: string;
  service?: { name: string; namespace: string; port?: number; path?: string };
  /** Base64 of the PEM CA bundle that signed the server's certificate. */
  caBundle?: string;
}

/** What a webhook server knows about an HTTP request besides its body. */
export interface WebhookRequestContext {
  /** The request's HTTP headers (lower-case names). */
  headers: Record<string, string>;
  /** The client's TLS certificate, if it presented one (`subject`, `issuer`, ... as Node reports them). */
  sslpeer: Record<string, unknown>;
  /** The handler id from the URL path (`<path>/<id>`), which narrows the handlers to that one. */
  webhook: string | undefined;
}

/**
 * Answers one admission review (the admission engine). Throws {@link WebhookRequestError} for a
 * request that is not a well-formed AdmissionReview (the server answers 400).
 */
export type WebhookFn = (review: unknown, context: WebhookRequestContext) => Promise<AdmissionResponseReview>;

/** A request that is not a review we can answer (malformed, unknown resource): HTTP 400, not a rejection. */
export class WebhookRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookRequestError';
  }
}

/**
 * A webhook server (`settings.admission.server`): serves `fn` until `signal` aborts, and yields the
 * client config for the webhook configurations — once it listens, and again whenever it changes.
 * The iteration ends after the server has closed. A server that cannot start throws from the
 * first iteration.
 */
export interface WebhookServerLike {
  serve(fn: WebhookFn, signal: AbortSignal): AsyncIterable<WebhookClientConfig>;
}
