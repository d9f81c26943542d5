/**
 * Operator metrics as plain events: any layer records a measurement here without knowing how it is
 * exposed; the reactor subscribes a sink that sums them for `/metrics` (`reactor/metrics.ts`). Recording
 * with no sink subscribed costs one loop over an empty set.
 */
import { versionedName } from '../../common/resources.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  name: string;
  help: string;
  type: MetricType;
  labelNames: readonly string[];
}

export type MetricLabels = Readonly<Record<string, string>>;

/** Receives every measurement: `add` for counters and gauges (±), `observe` for histograms. */
export interface MetricSink {
  add(metric: MetricDefinition, labels: MetricLabels, value: number): void;
  observe(metric: MetricDefinition, labels: MetricLabels, value: number): void;
}

const HANDLER_LABELS = ['handler', 'resource'] as const;
const STREAM_LABELS = ['resource', 'namespace'] as const;

/** Every metric kopf-ts records. */
export const METRICS = {
  handlerRuns: {
    name: 'kopf_handler_runs_total',
    help: 'Handler invocations (every attempt).',
    type: 'counter',
    labelNames: HANDLER_LABELS,
  },
  handlerFailures: {
    name: 'kopf_handler_failures_total',
    help: 'Handler invocations that threw (temporary, permanent, or arbitrary errors).',
    type: 'counter',
    labelNames: HANDLER_LABELS,
  },
  handlerRetries: {
    name: 'kopf_handler_retries_total',
    help: 'Handler invocations that were retries of a failed attempt.',
    type: 'counter',
    labelNames: HANDLER_LABELS,
  },
  handlerDuration: {
    name: 'kopf_handler_duration_seconds',
    help: 'How long handler invocations took.',
    type: 'histogram',
    labelNames: HANDLER_LABELS,
  },
  objectsInFlight: {
    name: 'kopf_objects_in_flight',
    help: 'Objects being processed right now.',
    type: 'gauge',
    labelNames: STREAM_LABELS,
  },
  queuedObjects: {
    name: 'kopf_queue_depth',
    help: 'Objects with an event waiting to be processed (the per-object queues coalesce events).',
    type: 'gauge',
    labelNames: STREAM_LABELS,
  },
} as const satisfies Record<string, MetricDefinition>;

const sinks = new Set<MetricSink>();

/** Subscribe a sink; returns the unsubscription. */
export function addMetricSink(sink: MetricSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/** Add to a counter (positive values) or gauge (any sign). */
export function addMetric(metric: MetricDefinition, labels: MetricLabels, value = 1): void {
  for (const sink of sinks) sink.add(metric, labels, value);
}

/** Record one observation of a histogram. */
export function observeMetric(metric: MetricDefinition, labels: MetricLabels, value: number): void {
  for (const sink of sinks) sink.observe(metric, labels, value);
}

/** The `resource` label: `plural.version.group` (core resources: `plural.version`). */
export function resourceLabel(
  resource: { plural: string; version: string; group: string } | undefined,
): string {
  return resource ? versionedName(resource) : '';
}

/** The labels of a stream's metrics (`namespace` is empty for cluster-wide streams). */
export function streamLabels(
  resource: { plural: string; version: string; group: string },
  namespace: string | undefined,
): MetricLabels {
  return { resource: resourceLabel(resource), namespace: namespace ?? '' };
}
