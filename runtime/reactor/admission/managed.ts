/**
 * Managed webhook configurations (`settings.admission.managed = 'name'`): a
 * ValidatingWebhookConfiguration and a MutatingWebhookConfiguration of that name, created if absent
 * and patched with one webhook per handler — Kopf's `build_webhooks` conventions — whenever the
 * server's client config changes; at exit, rewritten with only the `persistent` handlers.
 *
 * The API calls are exactly `create` (a 409 means it exists) and `patch`: the RBAC kopf-gen emits
 * for webhook operators is these two verbs on the two kinds.
 */
import type { ResourceInfo } from '../../../common/resources.ts';
import type { ApiClient } from '../../client/types.ts';
import { isApiError } from '../../client/errors.ts';
import { getLogger } from '../../structs/logging.ts';
import type { WebhookClientConfig } from '../../structs/reviews.ts';
import type { WebhookHandler } from '../../processing/handlers.ts';
import { labelRequirements, type LabelRequirement } from '../../processing/selectors.ts';
import { isLiteralNamespace, literalNamespaces } from '../../watching/namespaces.ts';
import type { ServedWebhook } from './reviewing.ts';

const GROUP = 'admissionregistration.k8s.io';

/** The two configuration kinds, by the handler kind they hold. */
export const CONFIGURATION_RESOURCES: Record<WebhookHandler['reason'], ResourceInfo> = {
  validating: {
    group: GROUP,
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    namespaced: false,
  },
  mutating: {
    group: GROUP,
    version: 'v1',
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    namespaced: false,
  },
};

/** One entry of `webhooks:` in a Validating/MutatingWebhookConfiguration. */
export interface WebhookEntry {
  name: string;
  sideEffects: 'None' | 'NoneOnDryRun';
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Equivalent';
  rules: {
    apiGroups: string[];
    apiVersions: string[];
    resources: string[];
    operations: string[];
    scope: '*';
  }[];
  namespaceSelector?: { matchExpressions: LabelRequirement[] };
  objectSelector?: { matchExpressions: LabelRequirement[] };
  clientConfig: WebhookClientConfig;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
}

/** The webhook entries for the handlers of one kind (all, or only the persistent ones). */
export function buildWebhooks(
  webhooks: readonly ServedWebhook[],
  options: {
    reason: WebhookHandler['reason'];
    suffix: string;
    clientConfig: WebhookClientConfig;
    /** The operator's `-n` patterns; undefined when it serves the whole cluster. */
    namespaces?: readonly string[] | undefined;
    persistentOnly?: boolean;
  },
): WebhookEntry[] {
  const namespaces = namespaceSelector(options.namespaces);
  return webhooks
    .filter(({ handler }) => handler.reason === options.reason)
    .filter(({ handler }) => !options.persistentOnly || handler.persistent)
    .map(({ handler, resource }) => {
      const selector = labelSelector(handler);
      return {
        name: webhookName(handler.id, options.suffix),
        sideEffects: handler.sideEffects ? 'NoneOnDryRun' : 'None',
        failurePolicy: handler.ignoreFailures ? 'Ignore' : 'Fail',
        matchPolicy: 'Equivalent',
        rules: [
          {
            apiGroups: [resource.group],
            apiVersions: [resource.version],
            resources: [
              handler.subresource === undefined
                ? resource.plural
                : `${resource.plural}/${handler.subresource}`,
            ],
            operations: handler.operations ? [...handler.operations] : ['*'],
            scope: '*',
          },
        ],
        ...(namespaces ? { namespaceSelector: namespaces } : {}),
        ...(selector ? { objectSelector: selector } : {}),
        clientConfig: withHandlerId(options.clientConfig, handler.id),
        timeoutSeconds: Math.max(1, Math.ceil(handler.timeout)), // whole seconds, 1–30
        admissionReviewVersions: ['v1', 'v1beta1'],
      };
    });
}

/**
 * A webhook name Kubernetes accepts (a lower-case DNS subdomain): `/` → `.`, `_` → `-`, other
 * characters hex-encoded (Kopf's convention), then `.<suffix>`.
 */
export function webhookName(id: string, suffix: string): string {
  const name = id
    .replace(/\//g, '.')
    .replace(/_/g, '-')
    .replace(/[^\w.-]/gu, (char) => Buffer.from(char).toString('hex'));
  return (suffix ? `${name}.${suffix}` : name).toLowerCase();
}

/** The client config with the handler's id as the last URL (or Service path) segment. */
function withHandlerId(config: WebhookClientConfig, id: string): WebhookClientConfig {
  const segment = encodeURIComponent(id);
  const result: WebhookClientConfig = { ...config };
  if (config.url !== undefined) result.url = `${config.url.replace(/\/+$/, '')}/${segment}`;
  if (config.service !== undefined)
    result.service = {
      ...config.service,
      path: `${(config.service.path ?? '').replace(/\/+$/, '')}/${segment}`,
    };
  return result;
}

/**
 * An operator serving named namespaces (`-n a -n b`) admits only their objects: the API server
 * skips the webhooks elsewhere (by the `kubernetes.io/metadata.name` label every namespace carries),
 * so a development operator in one namespace never blocks the rest of the cluster, nor fails
 * requests there when it stops. Globs and negations cannot be expressed as a label selector: those
 * operators, like cluster-wide ones, get cluster-wide webhooks (as in Kopf). Cluster-scoped objects
 * are always sent: namespaceSelector does not apply to them.
 */
export function namespaceSelector(
  namespaces: readonly string[] | undefined,
): WebhookEntry['namespaceSelector'] {
  if (!namespaces?.length || !namespaces.every((pattern) => isLiteralNamespace(pattern.trim())))
    return undefined;
  const values = literalNamespaces(namespaces).sort();
  return { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values }] };
}

/** Exact values and PRESENT/ABSENT label filters, as the API server's `objectSelector` (callbacks stay ours). */
function labelSelector(handler: WebhookHandler): WebhookEntry['objectSelector'] {
  const expressions = labelRequirements(handler.labels);
  return expressions.length ? { matchExpressions: expressions } : undefined;
}

/** Create (if absent) and patch both configurations with the handlers' webhooks. */
export async function applyConfigurations(
  client: ApiClient,
  name: string,
  webhooks: readonly ServedWebhook[],
  clientConfig: WebhookClientConfig,
  options: { namespaces?: readonly string[] | undefined; persistentOnly?: boolean } = {},
): Promise<void> {
  const logger = getLogger('kopf.webhooks');
  for (const reason of ['validating', 'mutating'] as const) {
    const resource = CONFIGURATION_RESOURCES[reason];
    const entries = buildWebhooks(webhooks, { reason, suffix: name, clientConfig, ...options });
    // Create-or-conflict instead of get-then-create: one verb less in the RBAC.
    try {
      await client.create(resource, undefined, {
        apiVersion: `${GROUP}/v1`,
        kind: resource.kind,
        metadata: { name },
      });
    } catch (error) {
      if (!isApiError(error, 409)) {
        if (isApiError(error, 403))
          logger.error(`Not enough RBAC permissions to create the ${resource.kind} ${name}.`);
        throw error;
      }
    }
    await client.patch(resource, undefined, name, { webhooks: entries }, { type: 'merge' });
    logger.info(
      `${options.persistentOnly ? 'Cleaned up' : 'Configured'} the ${resource.kind} ${name}: ${entries.length} webhook(s).`,
    );
  }
}
