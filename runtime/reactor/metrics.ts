/**
 * The `/metrics` endpoint's content: the measurements recorded by every layer (see
 * `structs/metrics.ts`) fed into a prom-client registry and rendered in Prometheus' text format.
 * Subscribed once per process, when this module is first loaded, so nothing recorded is missed.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import type { ResourceInfo } from '../../common/resources.ts';
import {
  addMetricSink,
  METRICS,
  streamLabels,
  type MetricDefinition,
  type MetricLabels,
} from '../structs/metrics.ts';
import type { StreamStats } from '../watching/stream.ts';

const registry = new Registry();
const instruments = new Map<string, Metric<string>>();

for (const definition of Object.values(METRICS) as MetricDefinition[]) {
  const config = {
    name: definition.name,
    help: definition.help,
    labelNames: [...definition.labelNames],
    registers: [registry],
  };
  const instrument =
    definition.type === 'counter'
      ? new Counter(config)
      : definition.type === 'gauge'
        ? new Gauge(config)
        : new Histogram({ ...config, buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
  instruments.set(definition.name, instrument);
}

addMetricSink({
  add(metric: MetricDefinition, labels: MetricLabels, value: number) {
    const instrument = instruments.get(metric.name);
    if (instrument instanceof Counter) instrument.inc({ ...labels }, value);
    else if (instrument instanceof Gauge) instrument.inc({ ...labels }, value);
  },
  observe(metric: MetricDefinition, labels: MetricLabels, value: number) {
    const instrument = instruments.get(metric.name);
    if (instrument instanceof Histogram) instrument.observe({ ...labels }, value);
  },
});

/** A running watch stream whose health counters are exported. */
export interface MeteredStream {
  resource: ResourceInfo;
  namespace: string | undefined;
  stats: StreamStats;
}

const streamSources = new Set<() => Iterable<MeteredStream>>();

/** Export the counters of some streams (read at every scrape); returns the removal. */
export function addStreamSource(source: () => Iterable<MeteredStream>): () => void {
  streamSources.add(source);
  return () => streamSources.delete(source);
}

/** Stream counters, summed per (resource, namespace) over all sources at scrape time. */
const STREAM_COUNTERS: Array<[string, string, (stats: StreamStats) => number]> = [
  ['kopf_watch_listings_total', 'Listings of a watched resource, the first one included.', (s) => s.listings],
  [
    'kopf_watch_relists_total',
    'Re-listings forced by the server (410 Gone or other ERROR events).',
    (s) => s.relists,
  ],
  [
    'kopf_watch_reconnects_total',
    'Watch requests that continued from the last resourceVersion (without re-listing).',
    (s) => Math.max(0, s.watches - s.listings),
  ],
  ['kopf_watch_failures_total', 'Failed list or watch requests.', (s) => s.failures],
  ['kopf_watch_events_total', 'Live events received (ADDED, MODIFIED, DELETED).', (s) => s.events],
];

for (const [name, help, read] of STREAM_COUNTERS) {
  new Counter({
    name,
    help,
    labelNames: ['resource', 'namespace'],
    registers: [registry],
    collect() {
      this.reset();
      for (const source of streamSources) {
        for (const stream of source())
          this.inc({ ...streamLabels(stream.resource, stream.namespace) }, read(stream.stats));
      }
    },
  });
}

/** The content type of {@link renderMetrics}. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** All metrics of this process in Prometheus' text exposition format. */
export function renderMetrics(): Promise<string> {
  return registry.metrics();
}
