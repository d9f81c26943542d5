/**
 * Admission webhooks: `kopf.on.validate` and `kopf.on.mutate`. The API server calls them (through
 * the webhook server in `settings.admission.server`) before it stores an object; a validating
 * handler rejects by throwing `kopf.AdmissionError`, a mutating one fills `patch`.
 *
 * @example
 * ```ts
 * kopf.on.validate(kopfExamples, function checkSpec({ spec, warnings }) {
 *   if (spec.field === 'wrong') throw new kopf.AdmissionError('Field must not be "wrong".', { code: 422 });
 *   if (!spec.items) warnings.push('No items: nothing to do.');
 * });
 * kopf.on.mutate(kopfExamples, function defaults({ spec, patch }) {
 *   if (spec.field === undefined) patch.spec.field = 'default';
 * });
 * ```
 */
import { isResourceQuery, selectorKey } from '../../common/resources.ts';
import type { Diff } from '../structs/diffs.ts';
import type { FilterValue } from '../structs/filters.ts';
import { ADMISSION_OPERATIONS, type AdmissionOperation, type UserInfo } from '../structs/reviews.ts';
import type { WebhookHandler } from '../processing/handlers.ts';
import type { Registry } from '../processing/registry.ts';
import { validateFilters, type CommonOptions } from './filtering.ts';
import { HandlerOptionError } from './options.ts';
import { defaultRegistry } from '../processing/registry.ts';
import type { ChangeArgs, FieldFilter, NamedResourceArg, TypedObject } from './types.ts';

/** What admission handlers receive: the object under review and the request's particulars. */
export interface AdmissionArgs<Spec = Record<string, unknown>, Status = Record<string, unknown>> extends Omit<
  ChangeArgs<Spec, Status>,
  'reason' | 'diff' | 'old' | 'new' | 'retry' | 'started' | 'runtime'
> {
  /** The request is a dry run (`kubectl --dry-run=server`): change nothing outside the answer. */
  dryrun: boolean;
  /** Who makes the request. */
  userinfo: UserInfo;
  /** The webhook request's HTTP headers (lower-case names). */
  headers: Record<string, string>;
  /** The API server's TLS client certificate, if it presented one; `{}` otherwise. */
  sslpeer: Record<string, unknown>;
  /** Push strings here: they are returned to the API client as `Warning` headers. */
  warnings: string[];
  operation: AdmissionOperation;
  /** `'status'`, `'scale'`, ... for requests to a subresource; `undefined` for the object itself. */
  subresource: string | undefined;
  /** The object before the request (UPDATE, DELETE). */
  old: TypedObject<Spec, Status> | undefined;
  /** The object as requested (CREATE, UPDATE). */
  new: TypedObject<Spec, Status> | undefined;
  /** `[op, path, old, new]` between `old` and `new`. */
  diff: Diff;
}

/** An admission handler. Throw `kopf.AdmissionError` to reject; the return value is ignored. */
export type AdmissionHandler<Spec = Record<string, unknown>, Status = Record<string, unknown>> = (
  args: AdmissionArgs<Spec, Status>,
) => unknown;

/** Options of `kopf.on.validate`/`kopf.on.mutate` (Kopf's, camelCased). */
export interface AdmissionOptions<Spec = Record<string, unknown>, Status = Record<string, unknown>> {
  /** The webhook's id: the last segment of its URL path; defaults to the function's name. */
  id?: string;
  /** Only these operations (default: all). Mutating handlers see DELETE only when it is the only one. */
  operations?: readonly AdmissionOperation[];
  /** A subresource (`'status'`, `'scale'`), or `'*'` for the object and all its subresources. */
  subresource?: string;
  /** Keep this webhook in the managed configuration after the operator exits. */
  persistent?: boolean;
  /** The handler changes things besides its answer (managed: `sideEffects: NoneOnDryRun`). */
  sideEffects?: boolean;
  /** Admit when the handler fails or the operator is unreachable (managed: `failurePolicy: Ignore`). */
  ignoreFailures?: boolean;
  /** Seconds the API server waits for the answer (1–30, default 30); the handler is cut before that. */
  timeout?: number;
  /** Passed to the handler as `param`. */
  param?: unknown;
  /** Only objects with these labels (exact values and PRESENT/ABSENT also go into the managed `objectSelector`). */
  labels?: Record<string, FilterValue<string, AdmissionArgs<Spec, Status>>>;
  annotations?: Record<string, FilterValue<string, AdmissionArgs<Spec, Status>>>;
  field?: string;
  value?: FieldFilter<AdmissionArgs<Spec, Status>>;
  when?: (args: AdmissionArgs<Spec, Status>) => boolean;
  registry?: Registry;
}

type Untyped = Record<string, unknown>;

/** Register a validating admission handler: throw `kopf.AdmissionError` to reject the request. */
export function validate<Spec = Untyped, Status = Untyped>(
  resource: NamedResourceArg<Spec, Status>,
  handler: AdmissionHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: AdmissionOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): AdmissionHandler<Spec, Status> {
  register('validating', resource, handler, options as AdmissionOptions<never, never>);
  return handler;
}

/** Register a mutating admission handler: what it writes to `patch` is applied to the object. */
export function mutate<Spec = Untyped, Status = Untyped>(
  resource: NamedResourceArg<Spec, Status>,
  handler: AdmissionHandler<NoInfer<Spec>, NoInfer<Status>>,
  options: AdmissionOptions<NoInfer<Spec>, NoInfer<Status>> = {},
): AdmissionHandler<Spec, Status> {
  register('mutating', resource, handler, options as AdmissionOptions<never, never>);
  return handler;
}

/** The most the API server waits for a webhook (and Kopf's fixed value). */
const MAX_TIMEOUT = 30;

function register(
  reason: WebhookHandler['reason'],
  resource: NamedResourceArg<unknown, unknown>,
  fn: AdmissionHandler<never, never>,
  options: AdmissionOptions<never, never>,
): void {
  if (typeof resource === 'object' && isResourceQuery(resource)) {
    // The API server calls a webhook for the resources of its configuration's rules: named ones.
    throw new TypeError(
      `A ${reason} admission handler needs a named resource, not the query ${selectorKey(resource)}.`,
    );
  }
  const base = validateFilters(reason, resource, fn, options as CommonOptions<never, never>);
  const rule = `some of ${ADMISSION_OPERATIONS.join(', ')}`;
  for (const operation of options.operations ?? []) {
    if (!ADMISSION_OPERATIONS.includes(operation))
      throw new HandlerOptionError(reason, base.id, 'operations', rule, operation);
  }
  if (options.operations?.length === 0)
    throw new TypeError(
      `The ${reason} handler '${base.id}': option \`operations\` is empty, so it would never be called.`,
    );
  const timeout = options.timeout ?? MAX_TIMEOUT;
  if (timeout > MAX_TIMEOUT)
    throw new HandlerOptionError(
      reason,
      base.id,
      'timeout',
      `at most ${MAX_TIMEOUT} seconds (the API server's limit)`,
      timeout,
    );
  (options.registry ?? defaultRegistry()).addWebhook({
    ...base,
    selector: resource,
    fn: fn as WebhookHandler['fn'],
    reason,
    operations: options.operations,
    subresource: options.subresource,
    persistent: options.persistent ?? false,
    sideEffects: options.sideEffects ?? false,
    ignoreFailures: options.ignoreFailures ?? false,
    timeout,
  });
}

export {
  WebhookServer,
  webhookServerOptions,
  type WebhookServerOptions,
} from '../reactor/admission/server.ts';
