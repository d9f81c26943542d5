/**
 * What the operator's root tasks share, and what a root task is. `running.ts` builds the context once
 * (after the startup handlers and the login) and runs every root task next to the others: serving the
 * resources is one; peering and admission webhooks plug in as more, each in a module of its own.
 */
import type { ApiClient } from '../client/types.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import type { PauseSwitch } from '../structs/toggles.ts';
import type { ProcessingStats } from '../processing/processor.ts';
import type { Registry } from '../processing/registry.ts';
import type { RingNames } from './sharding/names.ts';

export interface OperatorContext {
  /** The handlers to serve. */
  registry: Registry;
  /** The settings, as the startup handlers left them. */
  settings: OperatorSettings;
  /** The operator's memo (objects get shallow copies). */
  memo: Record<string, unknown>;
  /** The logged-in API client. */
  client: ApiClient;
  /** Namespace patterns to serve; `undefined` serves the whole cluster. */
  namespaces: readonly string[] | undefined;
  /** Counters of processing cycles and PATCH requests, if someone measures them. */
  stats: ProcessingStats | undefined;
  /** Aborted when the operator stops (or another root task failed). */
  signal: AbortSignal;
  /** On while peering or leader election pause the operator: streams closed, daemons stopped. */
  paused: PauseSwitch;
  /** Sharded scale-out (`--sharded`): this replica's place on the ring; undefined otherwise. */
  shard: ShardMembership | undefined;
}

/** Who this replica is on the sharding ring, and where the ring's Leases live. */
export interface ShardMembership {
  names: RingNames;
  /** This replica's member name (the value of its objects' shard label). */
  member: string;
  /** Its holder identity for Leases. */
  identity: string;
  /** The namespace of the ring's Leases. */
  namespace: string;
}

/**
 * A root task: it runs until `context.signal` aborts, then finishes its own shutdown (within
 * `settings.process.gracefulShutdownTimeout`) and resolves. A rejection stops the whole operator.
 */
export type RootTask = (context: OperatorContext) => Promise<void>;
