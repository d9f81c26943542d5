/**
 * Kubernetes Events about objects (`v1/Event`, Kopf's format): queued synchronously by
 * `kopf.info/warn/exception` and by per-object loggers, posted asynchronously by the running
 * operator's poster. Posting failures are logged and ignored: Events are a courtesy, never a reason
 * to fail a handler.
 */
import { BUILTIN_RESOURCES } from '../../common/builtins.ts';
import { describeError } from '../structs/errors.ts';
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { getLogger, levelRank, type LogLevel } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';

export type EventType = 'Normal' | 'Warning' | 'Error' | 'Debug';

export interface EventRequest {
  object: KubernetesObject;
  type: EventType;
  reason: string;
  message: string;
  /** The level it is posted at (checked against `settings.posting.level`); by default from `type`. */
  level?: LogLevel;
}

const EVENTS: ResourceInfo = BUILTIN_RESOURCES.events;
const MAX_MESSAGE = 1024;

/** Kopf's 1024-char cut: the first 511 chars, `...`, the last 510. */
export function truncateMessage(message: string): string {
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, 511)}...${message.slice(-510)}`;
}

/** The `v1/Event` body Kopf posts for this request. */
export function buildEvent(
  request: EventRequest,
  settings: OperatorSettings,
  now = new Date(),
): KubernetesObject {
  const meta = request.object.metadata ?? {};
  const involved = Object.fromEntries(
    Object.entries({
      apiVersion: request.object.apiVersion,
      kind: request.object.kind,
      name: meta.name,
      uid: meta.uid,
      namespace: meta.namespace,
    }).filter(([, v]) => v),
  );
  const timestamp = now.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { namespace: meta.namespace || 'default', generateName: settings.posting.eventNamePrefix },
    action: 'Action?',
    type: request.type,
    reason: request.reason,
    message: truncateMessage(request.message),
    reportingComponent: settings.posting.reportingComponent,
    reportingInstance: settings.posting.reportingInstance,
    source: { component: settings.posting.reportingComponent },
    involvedObject: involved,
    firstTimestamp: timestamp,
    lastTimestamp: timestamp,
    eventTime: now.toISOString().replace('Z', '000Z'),
  };
}

/** A running operator's poster: a queue drained by one task. */
export interface EventPoster {
  enqueue(request: EventRequest): void;
  /** Post what is queued, then stop. */
  close(): Promise<void>;
}

const posters: EventPoster[] = [];

export function startPoster(client: ApiClient, settings: OperatorSettings): EventPoster {
  const logger = getLogger('kopf.posting');
  const queue: EventRequest[] = [];
  let draining: Promise<void> | undefined;
  const drain = async () => {
    while (queue.length) {
      const request = queue.shift()!;
      const body = buildEvent(request, settings);
      const namespace = (body.metadata as { namespace: string }).namespace;
      try {
        await client.create(EVENTS, namespace, body);
      } catch (error) {
        const name = request.object.metadata?.name;
        logger.warning(
          `Failed to post an event about ${namespace}/${name} (${request.reason}: ${request.message.slice(0, 80)}): ${describeError(error)}`,
        );
      }
    }
    draining = undefined;
  };
  const poster: EventPoster = {
    enqueue(request) {
      const level = request.level ?? levelOfType(request.type);
      if (!isPostable(level, settings)) return;
      queue.push(request);
      draining ??= drain();
    },
    async close() {
      const index = posters.indexOf(poster);
      if (index >= 0) posters.splice(index, 1);
      await draining;
    },
  };
  posters.push(poster);
  return poster;
}

/**
 * Queue an Event about an object for the current operator (the most recently started one). Without a
 * running operator, the Event is dropped with a debug line. Events about Events are never posted.
 */
export function postEvent(request: EventRequest): void {
  if (request.object.kind === 'Event') return;
  const poster = posters[posters.length - 1];
  if (!poster) {
    getLogger('kopf.posting').debug(`No operator is running; the event '${request.reason}' is not posted.`);
    return;
  }
  poster.enqueue(request);
}

function levelOfType(type: EventType): LogLevel {
  return type === 'Debug' ? 'debug' : type === 'Normal' ? 'info' : type === 'Warning' ? 'warning' : 'error';
}

/** The Event type of a log level, for loggers posting their records. */
export function eventTypeOf(level: LogLevel): EventType {
  return level === 'debug'
    ? 'Debug'
    : level === 'info'
      ? 'Normal'
      : level === 'warning'
        ? 'Warning'
        : 'Error';
}

export function isPostable(level: LogLevel, settings: OperatorSettings): boolean {
  return settings.posting.enabled && levelRank(level) >= levelRank(settings.posting.level);
}
