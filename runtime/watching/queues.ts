/**
 * Per-object queueing (Kopf §10): events are multiplexed by object uid to one worker per object,
 * which processes that object's events strictly one at a time; different objects run in parallel
 * (up to `settings.queueing.workerLimit`). Events that arrive while a cycle runs are coalesced to the
 * newest state, and a DELETED is never lost. Idle workers exit after `settings.queueing.idleTimeout`.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import { abortedBecause, whenAborted } from '../structs/timing.ts';
import { getLogger } from '../structs/logging.ts';
import { addMetric, METRICS, streamLabels } from '../structs/metrics.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { createLimiter } from './limiter.ts';
import { describeStream, isListedMarker, type StreamItem } from './stream.ts';
import type { ObjectKey, ObjectProcessor, WatchEvent } from './types.ts';

/** Abort reasons, made once: a bare `abort()` would build a DOMException with a stack every time. */
const NEWER_EVENT = abortedBecause('a newer event of the object arrived');
const STOPPING = abortedBecause('the watcher is stopping');

export interface QueueOptions {
  resource: ResourceInfo;
  namespace: string | undefined;
  /** Called each time a (re-)listing has been fully dispatched to the workers. */
  onListed?: () => void;
}

/** One object's worker state. */
interface Slot {
  key: ObjectKey;
  /** The newest event not yet processed (older ones were coalesced away). */
  pending: WatchEvent | undefined;
  /** Aborted when a newer event arrives during the running cycle (or when the queues stop). */
  pressure: AbortController | undefined;
  /** Wakes the worker while it idles. */
  wake: (() => void) | undefined;
}

/**
 * Merge a newly arrived event into the pending one: the newest state wins, except that a pending
 * DELETED is kept (the object is gone; whatever came later for the same uid is stale).
 */
export function coalesce(pending: WatchEvent | undefined, incoming: WatchEvent): WatchEvent {
  if (pending?.type === 'DELETED') return pending;
  return incoming;
}

/** The queue key of an object: its uid, or Kopf's fallback for objects without one. */
export function objectId(event: WatchEvent): string {
  const meta = event.object.metadata ?? {};
  if (meta.uid) return meta.uid;
  return [event.object.kind, event.object.apiVersion, meta.name, meta.namespace, meta.creationTimestamp].join(
    '//',
  );
}

/**
 * Consume `events` and run `processor` per object until `signal` aborts (or the events end); then
 * stop taking events, drop what is pending, let running cycles finish within
 * `settings.process.gracefulShutdownTimeout`, and resolve. Never rejects for processor errors: they
 * are logged with the object's name.
 */
export async function runQueues(
  events: AsyncIterable<StreamItem>,
  processor: ObjectProcessor,
  settings: OperatorSettings,
  signal: AbortSignal,
  options: QueueOptions,
): Promise<void> {
  const logger = getLogger('kopf.queueing');
  const what = describeStream(options.resource, options.namespace);
  const slots = new Map<string, Slot>();
  const workers = new Set<Promise<void>>();
  /** The wake-ups of the workers waiting idle for an event. */
  const idlers = new Set<() => void>();
  const limiter = createLimiter(() => settings.queueing.workerLimit);
  /** No new cycles: the queues are stopping. */
  let stopping = false;
  const labels = streamLabels(options.resource, options.namespace);

  async function work(id: string, slot: Slot): Promise<void> {
    try {
      for (;;) {
        if (!slot.pending) await idle(slot);
        if (!slot.pending || stopping) return;
        if (!(await limiter.acquire())) return;
        const event = slot.pending;
        slot.pending = undefined;
        addMetric(METRICS.queuedObjects, labels, -1);
        const pressure = new AbortController();
        slot.pressure = pressure;
        addMetric(METRICS.objectsInFlight, labels, 1);
        try {
          await processor(slot.key, event, pressure.signal);
        } catch (error) {
          getLogger('kopf.objects', { namespace: slot.key.namespace, name: slot.key.name }).exception(
            `Processing of ${event.type ?? 'a listed'} event failed unexpectedly`,
            error,
          );
        } finally {
          addMetric(METRICS.objectsInFlight, labels, -1);
          slot.pressure = undefined;
          limiter.release();
        }
      }
    } finally {
      if (slots.get(id) === slot) slots.delete(id);
    }
  }

  /**
   * Wait for a new event, the idle timeout, or the stop, whichever comes first. The stop wakes the
   * idle workers through `idlers`, not through a listener each on its signal: an AbortSignal checks
   * all its listeners for duplicates on every addition, quadratic with thousands of idle objects.
   */
  function idle(slot: Slot): Promise<void> {
    if (stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        idlers.delete(done);
        slot.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, settings.queueing.idleTimeout * 1000);
      idlers.add(done);
      slot.wake = done;
    });
  }

  function dispatch(event: WatchEvent): void {
    const id = objectId(event);
    const meta = event.object.metadata ?? {};
    let slot = slots.get(id);
    if (!slot) {
      slot = {
        key: {
          resource: options.resource,
          namespace: meta.namespace,
          name: meta.name ?? '',
          uid: meta.uid ?? id,
        },
        pending: event,
        pressure: undefined,
        wake: undefined,
      };
      slots.set(id, slot);
      addMetric(METRICS.queuedObjects, labels, 1);
      const worker = work(id, slot);
      workers.add(worker);
      void worker.finally(() => workers.delete(worker));
      return;
    }
    if (!slot.pending) addMetric(METRICS.queuedObjects, labels, 1);
    slot.pending = coalesce(slot.pending, event);
    slot.pressure?.abort(NEWER_EVENT);
    slot.wake?.();
  }

  const iterator = events[Symbol.asyncIterator]();
  // One item per call: a suspended loop here would keep the last event (and its body) in its frame.
  const takeOne = async (): Promise<boolean> => {
    const next = await nextUnlessStopped(iterator, signal);
    if (next === 'stopped' || next.done) return false;
    if (isListedMarker(next.value)) options.onListed?.();
    else dispatch(next.value);
    return true;
  };
  try {
    while (await takeOne());
  } catch (error) {
    // The stream is expected never to fail (watchObjects handles errors); stay alive regardless.
    logger.exception(`The event stream of ${what} failed; its queues stop`, error);
  } finally {
    void iterator.return?.().catch(() => undefined);
  }

  // Stop: no new cycles, cut sleeps short, let running cycles finish within the grace period.
  stopping = true;
  limiter.close();
  for (const wake of [...idlers]) wake();
  for (const slot of slots.values()) {
    if (slot.pending) addMetric(METRICS.queuedObjects, labels, -1);
    slot.pending = undefined;
    slot.pressure?.abort(STOPPING);
  }
  if (workers.size === 0) return;
  const grace = settings.process.gracefulShutdownTimeout;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>(
    (resolve) => (timer = setTimeout(() => resolve('expired'), grace * 1000)),
  );
  const finished = await Promise.race([
    Promise.allSettled([...workers]).then(() => 'finished' as const),
    expired,
  ]);
  clearTimeout(timer);
  if (finished === 'expired') {
    const names = [...slots.values()].map((s) => describeKey(s.key)).join(', ');
    logger.warning(
      `${workers.size} object(s) of ${what} were still being processed after ${grace} s; abandoning them: ${names}`,
    );
  }
}

/**
 * The iterator's next item, or 'stopped' as soon as `signal` aborts (an iterator may be stuck awaiting
 * the network). Not `Promise.race([iterator.next(), stopped])` with one long-lived `stopped` promise:
 * every race leaves a reaction on it that keeps the race's result — each event with its whole body —
 * reachable until the watcher stops (heap snapshots showed every event of every object retained).
 */
function nextUnlessStopped<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T> | 'stopped'> {
  if (signal.aborted) return Promise.resolve('stopped');
  return new Promise((resolve, reject) => {
    const stopWaiting = whenAborted(signal, () => resolve('stopped'));
    iterator.next().then(
      (result) => {
        stopWaiting();
        resolve(result);
      },
      (error: unknown) => {
        stopWaiting();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function describeKey(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}
