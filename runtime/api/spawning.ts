/**
 * `kopf.timer` and `kopf.daemon`: accepted so generated stubs compile, served in a later version.
 * An operator with timers or daemons registered refuses to start rather than silently ignore them.
 */
import type { ChangeArgs, ResourceArg } from './types.ts';
import type { Registry } from '../processing/handlers.ts';
import { defaultRegistry } from './registry.ts';

/** What timers and daemons will receive (change-handler arguments without the change). */
export type SpawnArgs<Spec, Status> = Omit<ChangeArgs<Spec, Status>, 'reason' | 'diff' | 'old' | 'new'>;

export interface TimerOptions {
  id?: string;
  interval?: number;
  initialDelay?: number;
  idle?: number;
  sharp?: boolean;
  registry?: Registry;
}

export interface DaemonOptions {
  id?: string;
  initialDelay?: number;
  cancellationTimeout?: number;
  registry?: Registry;
}

type Untyped = Record<string, unknown>;

/** Declare a periodic handler per object. Not served yet: `kopf.operator()` rejects registries with timers. */
export function timer<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: (args: SpawnArgs<NoInfer<Spec>, NoInfer<Status>>) => unknown,
  options: TimerOptions = {},
): typeof handler {
  spawn('timer', resource, handler, options);
  return handler;
}

/** Declare a long-running task per object. Not served yet: `kopf.operator()` rejects registries with daemons. */
export function daemon<Spec = Untyped, Status = Untyped>(
  resource: ResourceArg<Spec, Status>,
  handler: (args: SpawnArgs<NoInfer<Spec>, NoInfer<Status>>) => unknown,
  options: DaemonOptions = {},
): typeof handler {
  spawn('daemon', resource, handler, options);
  return handler;
}

function spawn(
  kind: 'timer' | 'daemon',
  resource: ResourceArg<unknown, unknown>,
  fn: (args: never) => unknown,
  options: { id?: string; registry?: Registry },
): void {
  const id = options.id ?? fn.name;
  if (!id) throw new TypeError(`An anonymous ${kind} needs an \`id\` option.`);
  (options.registry ?? defaultRegistry()).addSpawning({ kind, id, fn, selector: resource });
}
