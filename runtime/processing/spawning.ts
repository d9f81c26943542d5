/**
 * Daemons and timers of one resource: at most one task per (object, handler), spawned while the
 * object matches and holds the finalizer, stopped when it stops matching, is deleted, or the
 * operator exits. A task that ended on its own (or failed for good) is not spawned again for that
 * object in this process and no longer requires the finalizer.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../client/types.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import type { Logger } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { ChangingCause } from './causes.ts';
import type { EventContext } from './context.ts';
import type { PauseSwitch } from '../structs/toggles.ts';
import { runDaemon } from './daemons.ts';
import type { FinalizerState } from './finalizers.ts';
import type { FilterKwargs, SpawningHandler } from './handlers.ts';
import { prematches } from './matching.ts';
import { DaemonStopped, type StopReason } from './stopping.ts';
import type { SpawnedObject, TaskEnd } from './tasks.ts';
import { runTimer } from './timers.ts';
import { sleepUnless } from '../structs/timing.ts';

interface Task {
  handler: SpawningHandler;
  stopped: DaemonStopped;
  /** Epoch ms when it was asked to stop. */
  stoppedAt: number | undefined;
  done: Promise<void>;
}

interface ObjectTasks extends SpawnedObject {
  tasks: Map<string, Task>;
  /** Handlers whose task ended on its own or failed permanently: never again for this object. */
  finished: Set<string>;
  notifyChange: () => void;
}

export interface SpawnerOptions {
  client: ApiClient;
  resource: ResourceInfo;
  settings: OperatorSettings;
  handlers: readonly SpawningHandler[];
  /**
   * While on (peering, leader election), nothing is spawned and turning it on stops every task; the
   * re-listing after the pause spawns them again (Kopf 1.44.1: no daemons are spawned while paused).
   */
  paused?: PauseSwitch;
}

/** The filters of daemons and timers check the current body (there is no old/new). */
function currentOnly(kwargs: FilterKwargs): FilterKwargs {
  return { ...kwargs, old: undefined, new: undefined, diff: [] };
}

export class Spawner {
  readonly #options: SpawnerOptions;
  readonly #objects = new Map<string, ObjectTasks>();
  readonly #unsubscribe: (() => void) | undefined;

  constructor(options: SpawnerOptions) {
    this.#options = options;
    this.#unsubscribe = options.paused?.onChange((on) => {
      if (on) this.#stopEverything('operator-pausing');
    });
  }

  get handlers(): readonly SpawningHandler[] {
    return this.#options.handlers;
  }

  /** Whether any daemon or timer matches the object at all. */
  anyMatches(kwargs: FilterKwargs): boolean {
    const current = currentOnly(kwargs);
    return this.#options.handlers.some((h) => prematches(h, current));
  }

  /** Whether a matching daemon or timer still needs the object (not ended on its own). */
  requiresFinalizer(uid: string, kwargs: FilterKwargs): boolean {
    const finished = this.#objects.get(uid)?.finished;
    const current = currentOnly(kwargs);
    return this.#options.handlers.some((h) => !finished?.has(h.id) && prematches(h, current));
  }

  /** Every cycle: refresh the live body; an essential change resets the timers' idleness. */
  observe(
    uid: string,
    body: KubernetesObject,
    changed: boolean,
    memo: Record<string, unknown>,
    logger: Logger,
  ): void {
    const existing = this.#objects.get(uid);
    if (existing) {
      existing.body = body;
      existing.logger = logger;
      if (changed) existing.notifyChange();
      return;
    }
    const object = {
      body,
      memo,
      logger,
      lastChange: Date.now(),
      tasks: new Map(),
      finished: new Set(),
    } as Omit<ObjectTasks, 'nextChange' | 'notifyChange'> as ObjectTasks;
    const arm = () => {
      object.nextChange = new Promise<void>((resolve) => {
        object.notifyChange = () => {
          object.lastChange = Date.now();
          arm();
          resolve();
        };
      });
    };
    arm();
    this.#objects.set(uid, object);
  }

  /** Spawn the matching tasks not yet running; stop those whose filters no longer match. */
  adjust(uid: string, kwargs: FilterKwargs, canSpawn: boolean): void {
    const object = this.#objects.get(uid);
    if (!object) return;
    const current = currentOnly(kwargs);
    for (const handler of this.#options.handlers) {
      const task = object.tasks.get(handler.id);
      const matching = prematches(handler, current);
      if (task && !matching) this.#stop(object, task, 'filters-mismatch');
      if (!task && matching && canSpawn && !this.#options.paused?.isOn() && !object.finished.has(handler.id))
        this.#spawn(uid, object, handler);
    }
  }

  /**
   * The object is being deleted: stop its tasks and wait a while for them to exit. Returns no delays
   * when all have exited (or were abandoned after their cancellation timeout), else `[0]` to be
   * called again in the next cycle.
   */
  async stopForDeletion(uid: string, ...signals: AbortSignal[]): Promise<number[]> {
    const object = this.#objects.get(uid);
    if (!object) return [];
    for (const task of object.tasks.values()) this.#stop(object, task, 'resource-deleted');
    const now = Date.now();
    const waits: number[] = [];
    for (const task of [...object.tasks.values()]) {
      const { handler } = task;
      const elapsed = (now - (task.stoppedAt ?? now)) / 1000;
      const limit =
        handler.cancellationTimeout === undefined
          ? undefined
          : (handler.cancellationBackoff ?? 0) + handler.cancellationTimeout;
      if (limit !== undefined && elapsed >= limit) {
        object.logger.warning(`Daemon '${handler.id}' did not exit in time. Leaving it orphaned.`);
        object.tasks.delete(handler.id);
        continue;
      }
      const polling = handler.cancellationPolling ?? this.#options.settings.background.cancellationPolling;
      waits.push(limit === undefined ? polling : Math.min(limit - elapsed, polling));
    }
    if (object.tasks.size === 0) return [];
    const exited = Promise.all([...object.tasks.values()].map((t) => t.done)).then(() => true);
    await Promise.race([exited, sleepUnless(Math.min(...waits), ...signals)]);
    return object.tasks.size === 0 ? [] : [0];
  }

  /** The object is gone: stop its tasks without waiting, and forget it. */
  forget(uid: string): void {
    const object = this.#objects.get(uid);
    if (!object) return;
    for (const task of object.tasks.values()) this.#stop(object, task, 'resource-deleted');
    this.#objects.delete(uid);
  }

  /**
   * The object moves to another replica (sharding): stop its tasks as if the operator paused, wait up
   * to `timeout` seconds for them to exit, and forget it. Returns whether all of them exited.
   */
  async release(uid: string, timeout: number): Promise<boolean> {
    const object = this.#objects.get(uid);
    if (!object) return true;
    for (const task of object.tasks.values()) this.#stop(object, task, 'operator-pausing');
    const running = [...object.tasks.values()].map((task) => task.done);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeout * 1000)),
    );
    const exited = await Promise.race([Promise.all(running).then(() => true), expired]);
    clearTimeout(timer);
    if (!exited)
      object.logger.warning(`Daemons/timers did not exit within ${timeout} s; handing it over anyway.`);
    this.#objects.delete(uid);
    return exited;
  }

  /** The operator exits: stop all tasks and wait for them, up to `timeout` seconds. */
  async stopAll(timeout: number): Promise<void> {
    this.#unsubscribe?.();
    const tasks = this.#stopEverything('operator-exiting');
    if (!tasks.length) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeout * 1000)));
    await Promise.race([Promise.all(tasks), expired]);
    clearTimeout(timer);
  }

  /** Ask every task to stop; returns their completions. */
  #stopEverything(reason: StopReason): Promise<void>[] {
    const tasks: Promise<void>[] = [];
    for (const object of this.#objects.values()) {
      for (const task of object.tasks.values()) {
        this.#stop(object, task, reason);
        tasks.push(task.done);
      }
    }
    return tasks;
  }

  #stop(object: ObjectTasks, task: Task, reason: StopReason): void {
    if (task.stopped.aborted) return;
    task.stoppedAt = Date.now();
    object.logger.debug(`Stopping ${task.handler.kind} '${task.handler.id}': ${reason}.`);
    task.stopped.stop(reason);
  }

  #spawn(uid: string, object: ObjectTasks, handler: SpawningHandler): void {
    const stopped = new DaemonStopped();
    const context = { ...this.#options, handler, object, stopped };
    const run = handler.kind === 'timer' ? runTimer : runDaemon;
    const task: Task = { handler, stopped, stoppedAt: undefined, done: Promise.resolve() };
    task.done = run(context)
      .catch((error: unknown): TaskEnd => {
        object.logger.exception(`The ${handler.kind} '${handler.id}' crashed unexpectedly`, error);
        return 'failed';
      })
      .then((end) => {
        if (object.tasks.get(handler.id) === task) object.tasks.delete(handler.id);
        if (end !== 'stopped' && !stopped.aborted) object.finished.add(handler.id);
      });
    object.tasks.set(handler.id, task);
  }
}

/**
 * The spawning step of one cycle: daemons and timers live from the finalizer's arrival until the
 * object's deletion. Returns the delays while a deleted object's daemons are still exiting (its
 * finalizer stays until they have).
 */
export async function processSpawningCause(
  context: EventContext,
  spawner: Spawner,
  cause: ChangingCause,
  kwargs: FilterKwargs,
  finalizer: FinalizerState,
  /** Any handler of the object's resource (change handlers included) cares about this object. */
  visible: boolean,
): Promise<number[]> {
  const { key, body, memory, logger, pressure, options } = context;
  if (visible) {
    const essential = cause.kind === 'create' || cause.kind === 'update';
    spawner.observe(key.uid, body, essential, memory.memo, logger);
  }
  if (finalizer.deleting && finalizer.present) {
    return spawner.stopForDeletion(key.uid, pressure, options.signal);
  }
  if (!finalizer.deleting) spawner.adjust(key.uid, kwargs, finalizer.present);
  return [];
}
