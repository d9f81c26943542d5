/** Metrics recorded by any layer show up in the Prometheus text of `/metrics`. */
import { expect, test } from 'vitest';
import { renderMetrics } from '../../runtime/reactor/metrics.ts';
import { addMetric, METRICS, observeMetric } from '../../runtime/structs/metrics.ts';

test('counters, gauges and histograms recorded in structs are rendered with their labels', async () => {
  const labels = { handler: 'unitFn', resource: 'things.v1.example.com' };
  addMetric(METRICS.handlerRuns, labels);
  addMetric(METRICS.handlerRuns, labels);
  addMetric(METRICS.handlerFailures, labels);
  observeMetric(METRICS.handlerDuration, labels, 0.02);
  const stream = { resource: 'things.v1.example.com', namespace: 'ns1' };
  addMetric(METRICS.objectsInFlight, stream, 1);
  addMetric(METRICS.objectsInFlight, stream, 1);
  addMetric(METRICS.objectsInFlight, stream, -1);

  const text = await renderMetrics();
  expect(text).toContain('# TYPE kopf_handler_runs_total counter');
  expect(text).toContain('kopf_handler_runs_total{handler="unitFn",resource="things.v1.example.com"} 2');
  expect(text).toContain('kopf_handler_failures_total{handler="unitFn",resource="things.v1.example.com"} 1');
  expect(text).toContain(
    'kopf_handler_duration_seconds_count{handler="unitFn",resource="things.v1.example.com"} 1',
  );
  expect(text).toContain('kopf_objects_in_flight{resource="things.v1.example.com",namespace="ns1"} 1');
});
