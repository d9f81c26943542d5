/**
 * The `/metrics` endpoint's content: the measurements recorded by every layer (see
 * `structs/metrics.ts`) fed into a prom-client registry and rendered in Prometheus' text format.
 * Subscribed once per process, when this module is first loaded, so nothing recorded is missed.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { addMetricSink, METRICS, type MetricDefinition, type MetricLabels } from '../structs/metrics.ts';

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

/** The content type of {@link renderMetrics}. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** All metrics of this process in Prometheus' text exposition format. */
export function renderMetrics(): Promise<string> {
  return registry.metrics();
}
