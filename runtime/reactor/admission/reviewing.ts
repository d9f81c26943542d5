/**
 * Answering one AdmissionReview (Kopf's `serve_admission_request`): pick the webhook handlers the
 * request is for, run them all at once, and build the response — allowed unless one failed, the
 * first error by preference (AdmissionError, then PermanentError, TemporaryError, others) as the
 * status, the warnings, and the mutating handlers' merge-patch turned into a JSON-patch.
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import type { KubernetesObject } from '../../structs/bodies.ts';
import { currentHandlerContext, runInHandlerContext } from '../../structs/contexts.ts';
import { deepCopy, isPlainObject } from '../../structs/dicts.ts';
import { diff } from '../../structs/diffs.ts';
import { AdmissionError, describeError, PermanentError, TemporaryError } from '../../structs/errors.ts';
import { applyMergePatch, mergePatchToJsonPatch, pruneEmpty } from '../../structs/patches.ts';
import {
  ADMISSION_OPERATIONS,
  WebhookRequestError,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionResponseReview,
  type WebhookRequestContext,
} from '../../structs/reviews.ts';
import type { OperatorSettings } from '../../structs/settings.ts';
import type { WebhookHandler, WebhookKwargs } from '../../processing/handlers.ts';
import { runPatchFns } from '../../processing/application.ts';
import { asFilterKwargs, newHandlerPatch, resourceKwargs } from '../../processing/kwargs.ts';
import { objectLogger } from '../../processing/loggers.ts';
import { prematches } from '../../processing/matching.ts';

/** A webhook handler with its resource resolved through discovery. */
export interface ServedWebhook {
  handler: WebhookHandler;
  resource: ResourceInfo;
}

export interface ReviewingContext {
  webhooks: readonly ServedWebhook[];
  settings: OperatorSettings;
  /** The operator's memo: each request's `memo` is a shallow copy of it. */
  memo: Record<string, unknown>;
  /** Aborted when the operator stops. */
  signal: AbortSignal;
}

/** Answer one AdmissionReview; throws {@link WebhookRequestError} for requests that are not one. */
export async function reviewAdmission(
  review: unknown,
  request: WebhookRequestContext,
  context: ReviewingContext,
): Promise<AdmissionResponseReview> {
  const { apiVersion, payload } = parseReview(review);
  const candidates = context.webhooks.filter(
    ({ resource }) =>
      resource.group === payload.resource.group && resource.plural === payload.resource.resource,
  );
  if (candidates.length === 0) {
    const { group, version, resource } = payload.resource;
    throw new WebhookRequestError(
      `No webhook handlers for ${resource}.${version}${group ? `.${group}` : ''}.`,
    );
  }
  const oldBody = payload.oldObject ?? undefined;
  const newBody = payload.object ?? undefined;
  // parseReview() made sure that there is one of them.
  const body = withNamespace(deepCopy(newBody ?? oldBody ?? {}), payload.namespace);
  const patch = newHandlerPatch();
  const warnings: string[] = [];
  const logger = objectLogger(body, context.settings);
  const kwargs: Omit<WebhookKwargs, 'param'> = {
    ...resourceKwargs({
      body,
      patch,
      logger,
      memo: { ...context.memo },
      resource: candidates[0]!.resource,
      signal: context.signal,
    }),
    dryrun: payload.dryRun === true,
    userinfo: payload.userInfo,
    headers: request.headers,
    sslpeer: request.sslpeer,
    warnings,
    operation: payload.operation,
    subresource: payload.subResource || undefined,
    old: oldBody,
    new: newBody,
    diff: diff(oldBody, newBody),
  };
  const filterKwargs = { ...asFilterKwargs(kwargs), old: oldBody, new: newBody, diff: kwargs.diff };
  const selected = candidates
    .map(({ handler }) => handler)
    .filter((handler) => isFor(handler, payload, request.webhook) && prematches(handler, filterKwargs));

  const failures = await Promise.all(
    selected.map((handler) => invoke(handler, { ...kwargs, param: handler.param })),
  );
  const errors = failures.filter(
    (error, index) => error !== undefined && countsAsRejection(error, selected[index]!),
  );
  const response: AdmissionResponse = { uid: payload.uid, allowed: errors.length === 0 };
  if (warnings.length) response.warnings = warnings.map(String);
  const mutated = pruneEmpty(patch);
  const mutating = selected.some((h) => h.reason === 'mutating');
  if (response.allowed && mutating && (Object.keys(mutated).length || patch.fns.length)) {
    // The merge-patch, then the `patch.fns` on top of its result (Kopf's `Patch.as_json_patch`).
    const transformed = runPatchFns(applyMergePatch(body, mutated), patch.fns);
    const ops = [...mergePatchToJsonPatch(mutated, body), ...transformed.ops];
    if (ops.length) {
      response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
      response.patchType = 'JSONPatch';
    }
  }
  const first = errors.sort((a, b) => preference(a) - preference(b))[0];
  if (first !== undefined) {
    const message = describeError(first);
    response.status = { message, code: first instanceof AdmissionError ? first.code : 500 };
  }
  return { apiVersion, kind: 'AdmissionReview', response };
}

/** Is the handler for this request: its URL id, operation and subresource (the filters come after). */
function isFor(handler: WebhookHandler, payload: AdmissionRequest, webhook: string | undefined): boolean {
  if (webhook !== undefined && handler.id !== webhook) return false;
  if (handler.operations && !handler.operations.includes(payload.operation)) return false;
  // Mutations of an object being deleted make no sense, unless the handler asks for exactly that.
  const onlyDelete = handler.operations?.length === 1 && handler.operations[0] === 'DELETE';
  if (handler.reason === 'mutating' && payload.operation === 'DELETE' && !onlyDelete) return false;
  const subresource = payload.subResource || undefined;
  if (handler.subresource === '*') return true;
  return handler.subresource === subresource;
}

/**
 * Run one handler, cut shortly before the API server's timeout so that the answer still arrives.
 * Resolves with the error (or `undefined` on success); never rejects.
 */
async function invoke(handler: WebhookHandler, kwargs: WebhookKwargs): Promise<unknown> {
  const { logger } = kwargs;
  const title = `Webhook '${handler.id}'`;
  const cutMs = handler.timeout * 1000 - Math.min(1000, handler.timeout * 500);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PermanentError(`${title} timed out after ${(cutMs / 1000).toFixed(1)} s.`)),
      cutMs,
    );
  });
  try {
    const call = async () =>
      runInHandlerContext({ ...currentHandlerContext(), body: kwargs.body }, () => handler.fn(kwargs));
    await Promise.race([call(), timedOut]);
    logger.debug(`${title} succeeded.`);
    return undefined;
  } catch (error) {
    const message = describeError(error);
    if (error instanceof AdmissionError) logger.info(`${title} rejected the request: ${message}`);
    else if (handler.ignoreFailures) logger.warning(`${title} failed (ignored): ${message}`);
    else logger.error(`${title} failed: ${message}`);
    return error ?? new Error(`${title} threw ${String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** An AdmissionError always rejects; other failures do unless the handler ignores its failures. */
function countsAsRejection(error: unknown, handler: WebhookHandler): boolean {
  return error instanceof AdmissionError || !handler.ignoreFailures;
}

function preference(error: unknown): number {
  if (error instanceof AdmissionError) return 0;
  if (error instanceof PermanentError) return 1;
  if (error instanceof TemporaryError) return 2;
  return 9;
}

/** The object of a CREATE may come without its namespace (the API server takes it from the URL). */
function withNamespace(body: KubernetesObject, namespace: string | undefined): KubernetesObject {
  if (!namespace || body.metadata?.namespace) return body;
  return { ...body, metadata: { ...body.metadata, namespace } };
}

/** Check that the review is one we can answer, naming what is wrong. */
function parseReview(review: unknown): { apiVersion: string; payload: AdmissionRequest } {
  const fail = (what: string): never => {
    throw new WebhookRequestError(`Malformed AdmissionReview: ${what}.`);
  };
  if (!isPlainObject(review)) return fail('not a JSON object');
  if (review['kind'] !== 'AdmissionReview') fail(`kind is ${JSON.stringify(review['kind'])}`);
  const apiVersion = review['apiVersion'];
  if (apiVersion !== 'admission.k8s.io/v1' && apiVersion !== 'admission.k8s.io/v1beta1')
    fail(`apiVersion ${JSON.stringify(apiVersion)} is neither admission.k8s.io/v1 nor v1beta1`);
  const request = review['request'];
  if (!isPlainObject(request)) return fail('no request');
  if (typeof request['uid'] !== 'string' || !request['uid']) fail('request.uid is missing');
  const resource = request['resource'];
  if (
    !isPlainObject(resource) ||
    typeof resource['group'] !== 'string' ||
    typeof resource['version'] !== 'string' ||
    typeof resource['resource'] !== 'string'
  )
    fail('request.resource needs group, version and resource');
  if (!ADMISSION_OPERATIONS.some((operation) => operation === request['operation']))
    fail(`request.operation ${JSON.stringify(request['operation'])} is unknown`);
  if (!isPlainObject(request['userInfo'])) fail('request.userInfo is missing');
  const object = request['object'];
  const oldObject = request['oldObject'];
  if (!isPlainObject(object) && !isPlainObject(oldObject)) fail('request has neither object nor oldObject');
  for (const [name, value] of [
    ['object', object],
    ['oldObject', oldObject],
  ] as const) {
    if (value !== undefined && value !== null && !isPlainObject(value))
      fail(`request.${name} is not an object`);
  }
  // Every field the engine reads was checked above; the rest is passed through as the API server sent it.
  return { apiVersion: String(apiVersion), payload: request as unknown as AdmissionRequest };
}
