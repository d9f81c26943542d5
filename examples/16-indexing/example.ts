/**
 * 16-indexing: in-memory indexes of pods, kept up to date by the operator from the watch, and used
 * by a probe and by a timer on KopfExamples (which writes what it sees into the status).
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

/** `namespace/name` → whether the pod is running. */
const isRunning = kopf.index('pods', function isRunning({ namespace, name, status }) {
  return { [`${namespace}/${name}`]: status['phase'] === 'Running' };
});

/** `label=value` → the names of the pods with that label. */
const byLabel = kopf.index('pods', function byLabel({ labels, name }) {
  return Object.fromEntries(Object.entries(labels).map(([label, value]) => [`${label}=${value}`, name]));
});

kopf.on.probe(function runningPods() {
  return [...isRunning].filter(([, values]) => values.some(Boolean)).length;
});

kopf.timer(
  kopfExamples,
  function intervalled({ namespace, patch, logger }) {
    const pods = [...isRunning.keys()].filter((key) => key.startsWith(`${namespace}/`));
    logger.info(
      `Pods in ${namespace}: ${pods.length}; labels: ${JSON.stringify([...byLabel.keys()].sort())}`,
    );
    patch.status['pods'] = pods;
  },
  { interval: 1 },
);

// Marks for the e2e test: a timer has no "processed" line.
export const E2E_CREATION_STOP_WORDS = ["Timer 'intervalled' succeeded."];
export const E2E_DELETION_STOP_WORDS = ["Stopping timer 'intervalled'"];
// The e2e test runs it with --liveness: no pod runs in the test cluster (it has no nodes).
export const E2E_PROBES = { runningPods: 0 };
