/**
 * The namespace observer: which existing namespaces match the `-n` patterns, kept up to date by
 * list+watch of `v1/namespaces`. Without permission to list namespaces (403), or with scanning
 * disabled, only the literal names among the patterns are served (with a warning), as in Kopf.
 */
import { BUILTIN_RESOURCES } from '../../common/builtins.ts';
import { describeError } from '../structs/errors.ts';
import type { ResourceInfo } from '../../common/resources.ts';
import { isApiError } from '../client/errors.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { getLogger } from '../structs/logging.ts';
import { untilAborted } from '../structs/timing.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { isLiteralNamespace, literalNamespaces, matchAnyNamespace } from './namespaces.ts';
import { watchObjects } from './stream.ts';

export const NAMESPACES: ResourceInfo = BUILTIN_RESOURCES.namespaces;

export interface NamespaceObserverOptions {
  client: ApiClient;
  patterns: readonly string[];
  settings: OperatorSettings;
  signal: AbortSignal;
  /** Called with the full set of served namespaces whenever it changes (first after the listing). */
  onChange: (served: ReadonlySet<string>) => void;
}

/**
 * A namespace stays served while it exists, including while it terminates but something still
 * blocks its termination (a condition with status True); it is gone once it is terminating freely.
 */
export function isNamespaceAlive(namespace: KubernetesObject): boolean {
  if (!namespace.metadata?.deletionTimestamp) return true;
  const conditions =
    (namespace.status as { conditions?: Array<{ status?: string }> } | undefined)?.conditions ?? [];
  if (conditions.length === 0) return true;
  return conditions.some((condition) => condition.status === 'True');
}

/** Observe namespaces until the signal aborts; resolves then. Never throws for API trouble. */
export async function observeNamespaces(options: NamespaceObserverOptions): Promise<void> {
  const { client, patterns, settings, signal, onChange } = options;
  const logger = getLogger('kopf.namespaces');
  const literal = () => {
    onChange(new Set(literalNamespaces(patterns)));
    return untilAborted(signal);
  };
  if (patterns.every(isLiteralNamespace)) return literal();
  if (settings.scanning.disabled) {
    logger.warning(
      `Namespace scanning is disabled: only the literal namespaces of ${patterns.join(' ')} are served.`,
    );
    return literal();
  }
  try {
    await client.list(NAMESPACES, undefined, { signal });
  } catch (error) {
    if (signal.aborted) return;
    if (isApiError(error, 403)) {
      logger.warning(
        `Not enough permissions to list namespaces (403): only the literal namespaces of ${patterns.join(' ')} are served; ` +
          `globs and negations need 'list' and 'watch' on namespaces cluster-wide.`,
      );
      return literal();
    }
    logger.error(`Listing namespaces failed; will keep trying: ${describeError(error)}`);
  }

  let served = new Set<string>();
  // Names gathered during a (re-)listing; it replaces the served set at the LISTED marker, so that
  // namespaces deleted while the watch was down disappear.
  let listing: Set<string> | undefined;
  const publish = (next: Set<string>) => {
    const changed = next.size !== served.size || [...next].some((name) => !served.has(name));
    served = next;
    if (changed) onChange(new Set(served));
  };
  let first = true;
  for await (const item of watchObjects(client, NAMESPACES, undefined, settings, signal)) {
    if (item.type === 'LISTED') {
      const next = listing ?? new Set<string>();
      listing = undefined;
      if (first) {
        served = next;
        onChange(new Set(next)); // announce the first result, even if empty
      } else {
        publish(next);
      }
      first = false;
      continue;
    }
    if (item.type === null) listing ??= new Set();
    const name = item.object.metadata?.name;
    if (!name || !matchAnyNamespace(name, patterns)) continue;
    const alive = item.type !== 'DELETED' && isNamespaceAlive(item.object);
    if (item.type === null) {
      if (alive) listing!.add(name);
      continue;
    }
    const next = new Set(served);
    if (alive) next.add(name);
    else next.delete(name);
    publish(next);
  }
}

/**
 * Run `start(namespace, stop)` once per served namespace until `signal` aborts: literal names
 * directly, patterns through the namespace observer (a namespace that stops matching or goes away
 * aborts its `stop`). Resolves when every started run has resolved. Used for the resource watchers
 * and for the per-namespace peering.
 */
export async function servePerNamespace(
  client: ApiClient,
  patterns: readonly string[],
  settings: OperatorSettings,
  signal: AbortSignal,
  start: (namespace: string, stop: AbortSignal) => Promise<void>,
): Promise<void> {
  if (patterns.every(isLiteralNamespace)) {
    await Promise.all(literalNamespaces(patterns).map((ns) => start(ns, signal)));
    return;
  }
  const running = new Map<string, { stop: AbortController; done: Promise<void> }>();
  await observeNamespaces({
    client,
    patterns,
    settings,
    signal,
    onChange(namespaces) {
      for (const [ns, run] of running) {
        if (!namespaces.has(ns)) {
          run.stop.abort();
          running.delete(ns);
        }
      }
      for (const ns of namespaces) {
        if (running.has(ns)) continue;
        const stop = new AbortController();
        running.set(ns, { stop, done: start(ns, AbortSignal.any([signal, stop.signal])) });
      }
    },
  });
  await Promise.all([...running.values()].map((run) => run.done));
}
