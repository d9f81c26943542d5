/**
 * The admission engine of a running operator: checks that a webhook server is configured when
 * webhook handlers exist, resolves their resources, starts the server (`settings.admission.server`)
 * and, with `settings.admission.managed`, keeps the webhook configurations in step with the
 * server's client config. Stopping cleans the managed configurations up first (so the API server
 * stops calling), then closes the server.
 */
import type { ApiClient } from '../../client/types.ts';
import { resolveResource, ResourceResolutionError } from '../../client/discovery.ts';
import { getLogger } from '../../structs/logging.ts';
import type { WebhookClientConfig } from '../../structs/reviews.ts';
import type { OperatorSettings } from '../../structs/settings.ts';
import { untilAborted } from '../../structs/timing.ts';
import type { Registry } from '../../processing/registry.ts';
import type { RootTask } from '../context.ts';
import { applyConfigurations } from './managed.ts';
import { reviewAdmission, type ServedWebhook } from './reviewing.ts';

export interface AdmissionOptions {
  registry: Registry;
  settings: OperatorSettings;
  client: ApiClient;
  memo: Record<string, unknown>;
  /** The operator's stop signal (handlers see it). */
  signal: AbortSignal;
  /** The `-n` patterns the operator serves (undefined: cluster-wide); they scope managed webhooks. */
  namespaces?: readonly string[] | undefined;
}

export interface RunningAdmission {
  /** Clean up the managed configurations, then stop the server; resolves when it has closed. */
  stop(): Promise<void>;
}

/**
 * The operator's root task for admission webhooks: serve them (if any) until the stop; a server
 * that cannot start (e.g. its port is taken) fails the operator.
 */
export const serveAdmission: RootTask = async (context) => {
  const running = await startAdmission(context);
  if (!running) return;
  await untilAborted(context.signal);
  await running.stop();
};

/**
 * Start serving the webhooks, if there are any. Resolves once the server listens and the managed
 * configurations are written; rejects with a clear message if that cannot be done.
 */
export async function startAdmission(options: AdmissionOptions): Promise<RunningAdmission | undefined> {
  const { registry, settings, client } = options;
  const logger = getLogger('kopf.webhooks');
  if (registry.webhooks.length === 0) return undefined;
  const server = settings.admission.server;
  if (!server) {
    throw new Error(
      'Admission handlers exist (kopf.on.validate/mutate), but no webhook server is configured: set ' +
        '`settings.admission.server = new kopf.WebhookServer(...)` in a startup handler, or use `kopf run --webhook-server URL`.',
    );
  }
  const webhooks: ServedWebhook[] = [];
  for (const handler of registry.webhooks) {
    try {
      webhooks.push({
        handler,
        resource: await resolveResource(client, handler.selector, { signal: options.signal }),
      });
    } catch (error) {
      if (!(error instanceof ResourceResolutionError)) throw error;
      logger.error(`Webhook '${handler.id}' is not served: ${error.message}`);
    }
  }
  const serverStop = new AbortController();
  const fn = (review: unknown, request: Parameters<typeof reviewAdmission>[1]) =>
    reviewAdmission(review, request, { webhooks, settings, memo: options.memo, signal: options.signal });
  const configs = server.serve(fn, serverStop.signal)[Symbol.asyncIterator]();
  const managed = settings.admission.managed;
  const scope = { namespaces: options.namespaces };
  // The first config: the server listens (or it throws, e.g. for a port in use).
  const first = await configs.next();
  let current: WebhookClientConfig | undefined = first.done ? undefined : first.value;
  try {
    if (managed && current) await applyConfigurations(client, managed, webhooks, current, scope);
  } catch (error) {
    serverStop.abort();
    await configs.return?.();
    throw error;
  }
  // Later configs (a server that restarts or changes its address) reconfigure the webhooks.
  const following = (async () => {
    for (let next = await configs.next(); !next.done; next = await configs.next()) {
      current = next.value;
      if (managed && !serverStop.signal.aborted) {
        await applyConfigurations(client, managed, webhooks, current, scope).catch((error: unknown) =>
          logger.exception('Reconfiguring the webhooks failed', error),
        );
      }
    }
  })();
  return {
    async stop() {
      if (managed && current) {
        await applyConfigurations(client, managed, webhooks, current, {
          ...scope,
          persistentOnly: true,
        }).catch((error: unknown) =>
          logger.exception('Cleaning up the managed webhook configurations failed', error),
        );
      }
      serverStop.abort();
      await following;
    },
  };
}
