/**
 * The list+watch loop of one resource in one namespace (Kopf §10): list, then watch from the list's
 * resourceVersion, re-watch from the last seen version when a stream ends or goes silent, re-list on
 * 410 Gone. It yields listed objects as `type: null` events followed by a LISTED marker, then live
 * events. Nothing escapes this loop but the abort: errors are logged and the loop reconnects.
 */
import { versionedName, type ResourceInfo } from '../../common/resources.ts';
import { describeError } from '../structs/errors.ts';
import { ApiConnectionError, ApiError, isApiError } from '../client/errors.ts';
import { isStorageInitializing, retryLogLevel } from '../client/retries.ts';
import { sleep } from '../structs/timing.ts';
import type { ApiClient, ListResult, RawWatchEvent } from '../client/types.ts';
import { getLogger, type Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { PauseSwitch } from '../structs/toggles.ts';
import { reconnectBackoff, type Backoff } from './backoff.ts';
import type { WatchEvent } from './types.ts';

/** Marks the end of a (re-)listing: every object that existed was yielded before it. */
export interface ListedMarker {
  type: 'LISTED';
}

export type StreamItem = WatchEvent | ListedMarker;

export function isListedMarker(item: StreamItem): item is ListedMarker {
  return item.type === 'LISTED';
}

/** Describes the stream in log lines: `kopfexamples.v1.kopf.dev in ns1`. */
export function describeStream(resource: ResourceInfo, namespace: string | undefined): string {
  const name = versionedName(resource);
  return namespace === undefined ? `${name} cluster-wide` : `${name} in ${namespace}`;
}

/** Counters of one stream's health, for logs, probes and metrics. Updated in place. */
export interface StreamStats {
  /** Successful listings, the first one included. */
  listings: number;
  /** Re-listings forced by the server (410 Gone or another ERROR event). */
  relists: number;
  /** Watch requests made, re-watches included. */
  watches: number;
  /** List or watch requests that failed before delivering anything (these grow the backoff). */
  failures: number;
  /** Live events yielded (ADDED/MODIFIED/DELETED). */
  events: number;
  bookmarks: number;
  /** `Date.now()` of the last listing, event or bookmark; undefined before the first. */
  lastActivity: number | undefined;
}

/** Fresh, zeroed stream counters. */
export function streamStats(): StreamStats {
  return {
    listings: 0,
    relists: 0,
    watches: 0,
    failures: 0,
    events: 0,
    bookmarks: 0,
    lastActivity: undefined,
  };
}

/** What every request of one stream shares: its logger and name, counters, and what it selects. */
interface StreamContext {
  logger: Logger;
  what: string;
  stats: StreamStats;
  labelSelector: string | undefined;
  metadataOnly: boolean;
}

/** Why a watch request stopped: a reason to re-watch, or to re-list from scratch. */
type WatchOutcome = 'rewatch' | 'relist';

/**
 * Stream the objects of `resource` (in `namespace`, or all namespaces/cluster-scoped when undefined)
 * until `signal` aborts; then the iterable ends. Never throws for API or connection trouble.
 * While `paused` is on (peering, leader election), nothing is listed or watched: turning it on closes
 * the stream, turning it off starts over with a fresh listing (Kopf's "pause waiter").
 */
export async function* watchObjects(
  client: ApiClient,
  resource: ResourceInfo,
  namespace: string | undefined,
  settings: OperatorSettings,
  signal: AbortSignal,
  options: {
    stats?: StreamStats;
    paused?: PauseSwitch;
    labelSelector?: string | undefined;
    /** Objects with their metadata only (`PartialObjectMetadata`), e.g. for the sharder. */
    metadataOnly?: boolean;
  } = {},
): AsyncGenerator<StreamItem> {
  const { paused, labelSelector, metadataOnly = false } = options;
  const logger = getLogger('kopf.watching');
  const what = describeStream(resource, namespace);
  const backoff = reconnectBackoff(() => ({
    base: settings.watching.reconnectBackoff,
    max: Math.max(settings.watching.reconnectBackoff, settings.watching.reconnectBackoffMax),
  }));
  const stats = options.stats ?? streamStats();
  const context = { logger, what, stats, backoff, settings, labelSelector, metadataOnly };
  logger.debug(
    labelSelector
      ? `The watch-stream of ${what} selects labels: ${labelSelector}`
      : `The watch-stream of ${what} selects all objects (no label selector).`,
  );
  while (!signal.aborted) {
    if (paused?.isOn()) {
      logger.debug(`The watch-stream of ${what} is paused.`);
      await paused.waitFor(false, signal);
      continue;
    }
    // One session from a listing until the operator stops or pauses.
    const session = new AbortController();
    const end = () => session.abort();
    signal.addEventListener('abort', end, { once: true });
    const unsubscribe = paused?.onChange((on) => on && end());
    try {
      yield* listAndWatch(client, resource, namespace, session.signal, context);
    } finally {
      signal.removeEventListener('abort', end);
      unsubscribe?.();
    }
  }
}

/** List, then watch (and re-list when the server says so) until `signal` aborts. */
async function* listAndWatch(
  client: ApiClient,
  resource: ResourceInfo,
  namespace: string | undefined,
  signal: AbortSignal,
  context: StreamContext & { backoff: Backoff; settings: OperatorSettings },
): AsyncGenerator<StreamItem> {
  const { logger, what, stats, backoff, settings } = context;
  const pause = async (reason: string) => {
    const delay = backoff.next();
    logger.debug(`Pausing ${delay.toFixed(2)} s before ${reason} ${what}.`);
    await sleep(delay, signal);
  };

  while (!signal.aborted) {
    // Listing: every existing object, then the marker, then watching from the list's version.
    let resourceVersion: string;
    try {
      resourceVersion = yield* listPages(client, resource, namespace, settings, signal, context);
      stats.listings++;
      yield { type: 'LISTED' };
    } catch (error) {
      if (signal.aborted) return;
      stats.failures++;
      logger.error(`Listing ${what} failed; will retry: ${describeError(error)}`);
      await pause('re-listing');
      continue;
    }

    // Watching: re-watch from the latest version until the server says that version is gone.
    let failuresInARow = 0;
    for (;;) {
      if (signal.aborted) return;
      const state: WatchState = { resourceVersion, healthy: false, attempt: failuresInARow + 1 };
      stats.watches++;
      const outcome: WatchOutcome = yield* watchOnce(client, resource, namespace, state, signal, context);
      resourceVersion = state.resourceVersion;
      if (signal.aborted) return;
      if (state.healthy) {
        backoff.reset();
        failuresInARow = 0;
      } else {
        stats.failures++;
        failuresInARow++;
      }
      if (outcome === 'relist') {
        stats.relists++;
        logger.info(`Restarting the watch-stream for ${what} (re-listing).`);
        await pause('re-listing');
        break;
      }
      await pause('re-watching');
    }
  }
}

/**
 * One listing, page by page (`settings.watching.listPageSize` objects each): every page's objects are
 * yielded as soon as it arrives, so a huge listing is never held at once. If the listing's snapshot
 * expires between pages (410 Gone on `continue`), the listing starts over (objects yielded twice are
 * harmless: each is processed for its latest state). Returns the listing's resourceVersion.
 */
async function* listPages(
  client: ApiClient,
  resource: ResourceInfo,
  namespace: string | undefined,
  settings: OperatorSettings,
  signal: AbortSignal,
  context: StreamContext,
): AsyncGenerator<WatchEvent, string> {
  let continueToken: string | undefined;
  for (;;) {
    let page: ListResult;
    try {
      const limit = settings.watching.listPageSize;
      page = await client.list(resource, namespace, {
        signal,
        ...(limit > 0 ? { limit } : {}),
        ...(continueToken ? { continueToken } : {}),
        ...(context.labelSelector ? { labelSelector: context.labelSelector } : {}),
        ...(context.metadataOnly ? { metadataOnly: true } : {}),
      });
    } catch (error) {
      if (!continueToken || !isApiError(error, 410)) throw error;
      context.logger.info(`The listing of ${context.what} expired between pages (410 Gone); listing again.`);
      continueToken = undefined;
      continue;
    }
    context.stats.lastActivity = Date.now();
    for (const object of page.items) yield { type: null, object };
    if (!page.continueToken) return page.resourceVersion;
    continueToken = page.continueToken;
  }
}

/** Where a watch request starts from, whether it went well, and how many failed before it in a row (+1). */
interface WatchState {
  resourceVersion: string;
  healthy: boolean;
  attempt: number;
}

/** One watch request. Updates `state.resourceVersion` (also from bookmarks); yields live events. */
async function* watchOnce(
  client: ApiClient,
  resource: ResourceInfo,
  namespace: string | undefined,
  state: WatchState,
  signal: AbortSignal,
  context: StreamContext,
): AsyncGenerator<WatchEvent, WatchOutcome> {
  const { logger, what, stats, labelSelector, metadataOnly } = context;
  try {
    const events = client.watch(resource, namespace, {
      resourceVersion: state.resourceVersion,
      signal,
      ...(labelSelector ? { labelSelector } : {}),
      ...(metadataOnly ? { metadataOnly } : {}),
    });
    for await (const event of events) {
      state.healthy = true;
      stats.lastActivity = Date.now();
      const version = event.object?.metadata?.resourceVersion;
      switch (event.type) {
        case 'BOOKMARK':
          if (version) state.resourceVersion = version;
          stats.bookmarks++;
          break;
        case 'ERROR':
          state.healthy = true; // the server answered; the backoff need not grow
          return watchError(event, logger, what);
        case 'ADDED':
        case 'MODIFIED':
        case 'DELETED':
          if (version) state.resourceVersion = version;
          stats.events++;
          yield { type: event.type, object: event.object };
          break;
        default:
          logger.warning(
            `Ignoring an unknown event type '${String(event.type)}' in the watch-stream of ${what}.`,
          );
      }
    }
    state.healthy = true; // a stream that ended normally (server timeout, inactivity) is no failure
    logger.debug(`The watch-stream of ${what} ended; re-watching from ${state.resourceVersion}.`);
    return 'rewatch';
  } catch (error) {
    if (signal.aborted) return 'rewatch';
    if (isApiError(error, 410)) return 'relist';
    logger[watchFailureLevel(error, state.attempt)](
      `Watching ${what} failed; will reconnect: ${describeError(error)}`,
    );
    return 'rewatch';
  }
}

/**
 * How loud a failed watch request is: a fresh CRD's "storage is (re)initializing" 429 is expected and
 * quiet for its first attempts (as for other requests); broken connections are routine (server
 * restarts, load balancers), so a warning; other API errors are errors.
 */
export function watchFailureLevel(error: unknown, attempt: number): 'debug' | 'warning' | 'error' {
  if (error instanceof ApiError && isStorageInitializing(error.status, error.body?.message)) {
    return retryLogLevel(true, attempt);
  }
  return error instanceof ApiConnectionError ? 'warning' : 'error';
}

/** An ERROR event: 410 Gone means our version is too old (re-list); others are logged, then re-watched. */
function watchError(event: RawWatchEvent, logger: Logger, what: string): WatchOutcome {
  const status = event.object as { code?: number; reason?: string; message?: string };
  if (status.code === 410) return 'relist';
  logger.error(
    `Error in the watch-stream of ${what}: ${status.code ?? '?'} ${status.reason ?? ''}: ${status.message ?? JSON.stringify(status)}`,
  );
  // An unknown error may mean our version is unusable; a re-list is the safe recovery.
  return 'relist';
}
