/**
 * Run-time discovery (Kopf's CRD scanning): CustomResourceDefinitions are watched while the
 * operator runs, and every change of one (created, established, deleted) asks the operator to
 * re-resolve its resources, so that CRDs installed after the start are served without a restart and
 * resources whose CRD is deleted stop being watched.
 */
import { BUILTIN_RESOURCES } from '../../common/builtins.ts';
import type { ResourceInfo } from '../../common/resources.ts';
import { isApiError } from '../client/errors.ts';
import type { ApiClient } from '../client/types.ts';
import { getLogger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { isListedMarker, watchObjects } from '../watching/stream.ts';

export const CUSTOM_RESOURCE_DEFINITIONS: ResourceInfo =
  BUILTIN_RESOURCES['customresourcedefinitions.apiextensions.k8s.io'];

/** Bursts of CRD events (created → established) are answered with one rescan after this pause. */
const SETTLE_SECONDS = 0.3;
/** One more rescan this long after a burst, in case the discovery documents lagged behind. */
const FOLLOW_UP_SECONDS = 2;

export interface DefinitionsObserverOptions {
  client: ApiClient;
  settings: OperatorSettings;
  signal: AbortSignal;
  /**
   * Called after CRD changes (not for the initial listing), with the names (`plural.group`) of the
   * deleted CRDs not re-created since; the callee removes the names it has dealt with. Calls never
   * overlap.
   */
  onChange: (deleted: Set<string>) => Promise<void>;
}

/** Watch CRDs until the signal aborts. Never throws (the stream heals itself). */
export async function observeDefinitions(options: DefinitionsObserverOptions): Promise<void> {
  const { client, settings, signal, onChange } = options;
  const logger = getLogger('kopf.discovery');
  try {
    await client.list(CUSTOM_RESOURCE_DEFINITIONS, undefined, { signal });
  } catch (error) {
    if (signal.aborted) return;
    if (isApiError(error, 403)) {
      logger.warning(
        'Not enough permissions to watch CustomResourceDefinitions (403): resources whose CRDs appear or ' +
          "disappear later are noticed only at the next start; grant 'list' and 'watch' on them to fix it.",
      );
      return;
    }
    // Anything else: the stream below retries on its own.
  }
  let dirty = false;
  const deleted = new Set<string>();
  let followUpWanted = false;
  let followUp: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  signal.addEventListener('abort', () => clearTimeout(followUp), { once: true });
  const rescan = (afterEvent: boolean): void => {
    dirty = true;
    if (afterEvent) followUpWanted = true;
    running ??= (async () => {
      while (dirty && !signal.aborted) {
        dirty = false;
        await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
        try {
          await onChange(deleted);
        } catch (error) {
          logger.exception('Re-resolving the resources after CRD changes failed', error);
        }
      }
      if (followUpWanted && !signal.aborted) {
        // The API's discovery may lag behind the CRD's status: look once more a bit later.
        followUpWanted = false;
        clearTimeout(followUp);
        followUp = setTimeout(() => rescan(false), FOLLOW_UP_SECONDS * 1000);
        followUp.unref();
      }
    })().finally(() => (running = undefined));
  };
  let listings = 0;
  for await (const item of watchObjects(client, CUSTOM_RESOURCE_DEFINITIONS, undefined, settings, signal)) {
    // The start-up resolution saw the first listing; a re-listing may hide changes made meanwhile.
    if (isListedMarker(item)) {
      if (listings++ > 0) rescan(true);
    } else if (item.type !== null) {
      const name = item.object.metadata?.name;
      if (item.type === 'DELETED' && name) deleted.add(name);
      else if (name) deleted.delete(name);
      rescan(true);
    }
  }
  await running;
}
