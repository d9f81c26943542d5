/**
 * Watch requests: one streaming GET, read line by line. No retries here — the watching layer decides
 * how to reconnect; this module only makes sure a stream never hangs silently (inactivity timeout)
 * and that every line is either delivered or reported.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import { getLogger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { sendRenewingOnce, type CredentialsCache } from './credentials.ts';
import { ApiConnectionError, ApiError, LoginError, parseStatus } from './errors.ts';
import { parseJsonLine, splitLines } from './lines.ts';
import { metadataOnlyAccept, resourcePath, withQuery } from './paths.ts';
import { abortedBecause, abortError } from '../structs/timing.ts';
import { readText, send, type StreamingAnswer } from './transport.ts';
import type { RawWatchEvent, WatchOptions } from './types.ts';

const logger = getLogger('kopf.clients');

const SILENT = abortedBecause('the watch-stream was silent past watching.inactivityTimeout');
const CLIENT_TIMEOUT = abortedBecause('the watch request reached watching.clientTimeout');

/**
 * A watch request streamed as raw events. No retries here: the watcher decides how to reconnect.
 * Ends quietly when the server closes the stream, when the stream is silent past the inactivity
 * timeout, or on abort; throws ApiError for an error answer (e.g. 410 for a too-old version) and
 * ApiConnectionError when the connection breaks.
 */
export async function* watchStream(
  credentials: CredentialsCache,
  settings: OperatorSettings,
  resource: ResourceInfo,
  namespace: string | undefined,
  options: WatchOptions,
): AsyncGenerator<RawWatchEvent> {
  const timeoutSeconds = options.timeoutSeconds ?? settings.watching.serverTimeout;
  const path = withQuery(resourcePath(resource, namespace), {
    watch: 'true',
    allowWatchBookmarks: 'true',
    resourceVersion: options.resourceVersion || undefined,
    labelSelector: options.labelSelector || undefined,
    timeoutSeconds: timeoutSeconds !== undefined ? String(Math.round(timeoutSeconds)) : undefined,
  });
  const label = `GET ${path}`;
  // One controller for every way a watch request ends early: the caller's stop, the client-side
  // limit of one request, and silence — each aborts it with a reason of its own (no DOMException).
  const local = new AbortController();
  const signal = local.signal;
  const stop = () => {
    if (options.signal) local.abort(abortError(options.signal));
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  const clientTimeout = settings.watching.clientTimeout;
  const limit =
    clientTimeout !== undefined
      ? setTimeout(() => local.abort(CLIENT_TIMEOUT), clientTimeout * 1000)
      : undefined;
  let silent = false;
  let inactivity: NodeJS.Timeout | undefined;
  const inactivitySeconds = settings.watching.inactivityTimeout;
  // One timer for the whole stream, re-armed per chunk (a new timer per chunk was garbage per event).
  const stirred = () => {
    if (inactivitySeconds <= 0) return;
    if (inactivity) inactivity.refresh();
    else
      inactivity = setTimeout(() => {
        silent = true;
        local.abort(SILENT);
      }, inactivitySeconds * 1000);
  };
  let response: StreamingAnswer | undefined;
  try {
    stirred(); // a server that never answers the request counts as silent, too
    response = await openWatch(credentials, settings, path, signal, options.metadataOnly === true);
    const status = response.status;
    if (status < 200 || status >= 300) {
      const text = await readText(response.body);
      const body = parseStatus(text);
      throw new ApiError({ status, request: label, ...(body ? { body } : {}), text });
    }
    stirred();
    const chunks = async function* (body: AsyncIterable<Buffer>) {
      for await (const chunk of body) {
        stirred();
        yield chunk;
      }
    };
    for await (const line of splitLines(chunks(response.body))) {
      const parsed = parseJsonLine(line);
      if (parsed === undefined) continue;
      if (!parsed.ok) {
        logger.error(
          `Malformed line in the watch-stream of ${label} (skipped): ${parsed.error}: ${parsed.excerpt}`,
        );
        continue;
      }
      const event = parsed.value as Partial<RawWatchEvent> | null;
      if (!event || typeof event !== 'object' || typeof event.type !== 'string' || !event.object) {
        logger.error(`Unexpected watch event in ${label} (skipped): ${line.slice(0, 200)}`);
        continue;
      }
      yield event as RawWatchEvent;
    }
  } catch (error) {
    if (error instanceof ApiError || error instanceof LoginError) throw error;
    if (silent || options.signal?.aborted) return;
    if (signal.reason === CLIENT_TIMEOUT) return; // the client-side limit of one watch request
    throw new ApiConnectionError(label, error);
  } finally {
    clearTimeout(inactivity);
    clearTimeout(limit);
    options.signal?.removeEventListener('abort', stop);
    response?.close();
  }
}

/** Send the watch request, renewing the credentials once on a 401. */
function openWatch(
  credentials: CredentialsCache,
  settings: OperatorSettings,
  path: string,
  signal: AbortSignal,
  metadataOnly: boolean,
): Promise<StreamingAnswer> {
  const connectTimeout = settings.watching.connectTimeout ?? settings.networking.connectTimeout;
  return sendRenewingOnce(
    credentials,
    `Watching ${path}`,
    (connection) =>
      send(connection, {
        method: 'GET',
        path,
        signal,
        streaming: true,
        http2: settings.networking.http2,
        ...(metadataOnly ? { accept: metadataOnlyAccept(false) } : {}),
        ...(connectTimeout !== undefined ? { answerTimeout: connectTimeout } : {}),
      }),
    (rejected) => rejected.close(),
  );
}
