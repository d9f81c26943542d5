/**
 * Operator settings: Kopf's groups and defaults (`kopf.OperatorSettings`), in seconds like Kopf.
 * Mutable in `kopf.on.startup` handlers; read by every layer at the moment it needs a value.
 */
import type { ObjectArgs } from './bodies.ts';
import type { Diff } from './diffs.ts';
import type { Logger } from './logging.ts';
import type { WebhookServerLike } from './reviews.ts';

export interface PostingSettings {
  /** Master switch for Kubernetes Events (explicit `kopf.info/warn/exception` and logger records). */
  enabled: boolean;
  /** Post the per-object logger's records as Events (Kopf 1.44 default: false). */
  loggers: boolean;
  /** Minimum level posted as an Event. */
  level: 'debug' | 'info' | 'warning' | 'error';
  reportingComponent: string;
  reportingInstance: string;
  eventNamePrefix: string;
}

export interface WatchingSettings {
  /** `timeoutSeconds` sent with watch requests (the server ends the stream after it). */
  serverTimeout: number | undefined;
  /** Client-side limit for a whole watch request. */
  clientTimeout: number | undefined;
  connectTimeout: number | undefined;
  /** Pause between watch restarts (after a stream ends or fails). Jitter is added. */
  reconnectBackoff: number;
  /** Upper bound of the reconnect backoff when a watch keeps failing. */
  reconnectBackoffMax: number;
  /** Reconnect if nothing (not even a bookmark) arrived for this long. */
  inactivityTimeout: number;
  /**
   * Objects per LIST request (`limit`; the rest follows page by page with `continue`), so that listing
   * 100,000 objects never holds one huge answer in memory. 0 lists everything in one request, as
   * Kopf does. Ours: Kopf has no such setting.
   */
  listPageSize: number;
}

export interface QueueingSettings {
  /** Objects processed in parallel per watched resource; undefined means unlimited. */
  workerLimit: number | undefined;
  /** A per-object worker exits after this long without events. */
  idleTimeout: number;
  /** Throttling delays for unexpected (framework) errors while processing an object. */
  errorDelays: number[];
}

export interface ScanningSettings {
  /** Disable runtime observation of CRDs and namespaces. */
  disabled: boolean;
}

export interface ExecutionSettings {
  /** Backoff for arbitrary (non-kopf) errors of handlers, in seconds. */
  defaultBackoff: number;
  /**
   * Which of the due handlers run in a processing cycle, and in which order: Kopf's lifecycles by name,
   * or a function of one's own (see `processing/lifecycles.ts`).
   */
  lifecycle: LifecycleName | LifecycleFn;
}

/** Kopf's lifecycles (`kopf.lifecycles.*`), by name. */
export type LifecycleName = 'asap' | 'all-at-once' | 'one-by-one' | 'randomized' | 'shuffled';
export const LIFECYCLE_NAMES: readonly LifecycleName[] = [
  'asap',
  'all-at-once',
  'one-by-one',
  'randomized',
  'shuffled',
];

/**
 * A lifecycle of one's own (Kopf's `LifeCycleFn`): gets the due handlers in registration order and
 * returns those to run now, in the order to run them. Those left out run in a later cycle.
 */
export type LifecycleFn = <Handler extends { readonly id: string }>(
  handlers: readonly Handler[],
  args: LifecycleArgs,
) => readonly Handler[];

/** What a lifecycle function gets besides the handlers: the progress and the object's arguments. */
export interface LifecycleArgs extends ObjectArgs {
  /** Each due handler's progress so far, by handler id. */
  state: ReadonlyMap<string, { readonly retries: number; readonly started: Date }>;
  reason: string;
  diff: Diff;
  old: unknown;
  new: unknown;
  memo: Record<string, unknown>;
  logger: Logger;
}

export interface NetworkingSettings {
  /** Per non-watch request, in seconds. */
  requestTimeout: number;
  connectTimeout: number | undefined;
  /** Delays between retries of failed API requests (connection errors, 5xx, 429). */
  errorBackoffs: number[];
  /** Always obey Retry-After of 429 answers, even when shorter than the backoff. */
  enforceRetryAfter: boolean;
  /**
   * Speak HTTP/2 to the API server (over TLS, when it negotiates `h2`; else HTTP/1.1): every request
   * and watch is a stream of a few shared connections, as client-go does. Off: a pool of HTTP/1.1
   * connections. Not in Kopf (aiohttp speaks HTTP/1.1 only). docs/networking.md has the measurements.
   */
  http2: boolean;
  /**
   * Reach the API server through the proxy of `HTTPS_PROXY`/`HTTP_PROXY` unless `NO_PROXY` excludes it
   * (Kopf's `trust_env`; off by default, as there). A kubeconfig cluster's `proxy-url` is used either way.
   */
  trustEnv: boolean;
}

export interface PersistenceSettings {
  finalizer: string;
  /** Prefix of the annotations that hold progress and the diff-base. */
  annotationsPrefix: string;
  /** Where handler progress is stored: annotations (Kopf's default), status, or both. */
  progressStorage: 'annotations' | 'status' | 'smart';
  /**
   * Where the diff-base (the last handled essence) is stored, as Kopf's diff-base storages:
   * `'annotations'` (the default; `<prefix>/<diffbaseKey>`), `'status'` (`status.kopf.last-handled-configuration`),
   * or a list (Kopf's `MultiDiffBaseStorage`: written to all, read from the first that has one).
   */
  diffbaseStorage: 'annotations' | 'status' | ReadonlyArray<'annotations' | 'status'>;
  diffbaseKey: string;
  /**
   * Fields left out of the diff-base (the essence): as Kopf's `ignored_fields` of its diff-base
   * storages (kopf#1087), e.g. `['spec.data']`. Changes there trigger no handlers, and the
   * `last-handled-configuration` annotation stays small (all annotations together may hold 256 KiB).
   */
  diffbaseIgnoredFields: Array<string | readonly string[]>;
  /** How long change handlers wait for the watch to deliver our own patch's resourceVersion. */
  consistencyTimeout: number;
}

export interface BackgroundSettings {
  /** Polling interval while waiting for a daemon to exit when it has no cancellation timeout. */
  cancellationPolling: number;
}

export interface ProcessSettings {
  /** Hard exit this long after SIGTERM/SIGINT if graceful shutdown hangs; undefined disables. */
  ultimateExitingTimeout: number | undefined;
  /** How long running handlers may finish after a stop signal before they are abandoned. */
  gracefulShutdownTimeout: number;
}

export interface PeeringSettings {
  name: string;
  priority: number;
  lifetime: number;
  mandatory: boolean;
  standalone: boolean;
  clusterwide: boolean | undefined;
  stealth: boolean;
}

export interface AdmissionSettings {
  /**
   * The webhook server, e.g. `new kopf.WebhookServer({ port: 9443 })`; required when admission
   * handlers (`kopf.on.validate/mutate`) exist.
   */
  server: WebhookServerLike | undefined;
  /**
   * Manage the Validating/MutatingWebhookConfiguration of this name: created or patched with one
   * webhook per handler while the operator runs; non-persistent entries are removed at exit.
   */
  managed: string | undefined;
}

/** Running more than one replica (docs/scaling.md). Peering itself is configured in `peering`. */
export interface ScalingSettings {
  /** One active replica at a time, elected through a Lease; the others stand by (`--leader-elect`). */
  leaderElection: boolean;
  /** The Lease's name (default: `kopf-leader-<peering.name>`). */
  leaseName: string | undefined;
  /** The Lease's namespace (default: `$POD_NAMESPACE`, the in-cluster namespace, else `default`). */
  leaseNamespace: string | undefined;
  /** How long a Lease is valid after its last renewal, in seconds (standbys take over after it). */
  leaseDuration: number;
  /** A leader that could not renew for this long pauses itself (must be < leaseDuration). */
  renewDeadline: number;
  /** Interval of renewals and of the standbys' checks. */
  retryPeriod: number;
  /**
   * Every replica works on its own share of the objects (`--sharded`): each holds a membership Lease
   * `kopf-shard-<peering.name>-<identity>`, and one elected replica (the sharder) labels the objects
   * with their replica. Exclusive with `leaderElection`.
   */
  sharded: boolean;
  /** Points per replica on the consistent-hash ring: more spread the objects more evenly. */
  virtualNodes: number;
  /** How long a membership Lease is valid after its last renewal, in seconds (then its objects move). */
  shardLeaseDuration: number;
}

export interface OperatorSettings {
  process: ProcessSettings;
  posting: PostingSettings;
  peering: PeeringSettings;
  scaling: ScalingSettings;
  watching: WatchingSettings;
  queueing: QueueingSettings;
  scanning: ScanningSettings;
  execution: ExecutionSettings;
  networking: NetworkingSettings;
  persistence: PersistenceSettings;
  background: BackgroundSettings;
  admission: AdmissionSettings;
}

/** A deep partial, for overriding some settings: `kopf.operator({ settings: { watching: { ... } } })`. */
export type SettingsOverrides = { [G in keyof OperatorSettings]?: Partial<OperatorSettings[G]> };

/** Fresh settings with Kopf 1.44's defaults (and ours where Kopf has none). */
export function defaultSettings(): OperatorSettings {
  return {
    process: { ultimateExitingTimeout: 600, gracefulShutdownTimeout: 30 },
    posting: {
      enabled: true,
      loggers: false,
      level: 'info',
      reportingComponent: 'kopf',
      reportingInstance: 'dev',
      eventNamePrefix: 'kopf-event-',
    },
    peering: {
      name: 'default',
      priority: 0,
      lifetime: 60,
      mandatory: false,
      standalone: false,
      clusterwide: undefined,
      stealth: false,
    },
    scaling: {
      leaderElection: false,
      leaseName: undefined,
      leaseNamespace: undefined,
      leaseDuration: 15,
      renewDeadline: 10,
      retryPeriod: 2,
      sharded: false,
      virtualNodes: 100,
      shardLeaseDuration: 15,
    },
    watching: {
      serverTimeout: undefined,
      clientTimeout: undefined,
      connectTimeout: undefined,
      reconnectBackoff: 0.1,
      reconnectBackoffMax: 10,
      inactivityTimeout: 70,
      listPageSize: 500,
    },
    queueing: {
      workerLimit: undefined,
      idleTimeout: 5,
      errorDelays: [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610],
    },
    scanning: { disabled: false },
    execution: { defaultBackoff: 60, lifecycle: 'asap' },
    networking: {
      requestTimeout: 300,
      connectTimeout: undefined,
      errorBackoffs: [1, 1, 2, 3, 5, 8, 13, 21],
      enforceRetryAfter: false,
      http2: true,
      trustEnv: false,
    },
    persistence: {
      finalizer: 'kopf.zalando.org/KopfFinalizerMarker',
      annotationsPrefix: 'kopf.zalando.org',
      progressStorage: 'smart',
      diffbaseStorage: 'annotations',
      diffbaseKey: 'last-handled-configuration',
      diffbaseIgnoredFields: [],
      consistencyTimeout: 5,
    },
    background: { cancellationPolling: 60 },
    admission: { server: undefined, managed: undefined },
  };
}

/** Settings with overrides applied group by group (the defaults are not modified). */
export function makeSettings(overrides: SettingsOverrides = {}): OperatorSettings {
  const settings = defaultSettings();
  for (const [group, values] of Object.entries(overrides)) {
    // An unknown group (a typo) is kept as given, so that the check at start names it.
    if (Object.hasOwn(settings, group)) Object.assign(settings[group as keyof OperatorSettings], values);
    else Object.assign(settings, { [group]: values });
  }
  return settings;
}
