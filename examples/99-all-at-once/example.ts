/**
 * 99-all-at-once: most of it together — startup and cleanup, two creation handlers (one retried
 * after an arbitrary error), child pods adopted and labelled, events about the object and its
 * children, an update handler with the diff, a field handler, a deletion handler, and an event
 * handler for the children only (by label).
 */
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const core = kubeConfig.makeApiClient(CoreV1Api);

kopf.on.startup(async function startupFnSimple({ logger }) {
  logger.info('Starting in 1s...');
  await new Promise((resolve) => setTimeout(resolve, 1000));
});

kopf.on.cleanup(function cleanupFn({ logger }) {
  logger.info('Cleaning up...');
});

kopf.on.create(kopfExamples, async function create1({ body }) {
  const children = await createChildren(body);
  kopf.info(body, { reason: 'AnyReason' });
  kopf.event(body, { type: 'Warning', reason: 'SomeReason', message: 'Cannot do something' });
  kopf.event(children, { type: 'Normal', reason: 'SomeReason', message: 'Created as part of the job1step' });
  return { 'job1-status': 100 };
});

kopf.on.create(
  kopfExamples,
  function create2({ retry }) {
    if (!retry) {
      // Will be retried by the framework, even if the operator has been restarted.
      throw new Error('Whoops!');
    }
    return 200;
  },
  { backoff: 1 },
);

kopf.on.update(kopfExamples, function update({ diff, logger }) {
  logger.info(`Handling the diff: ${JSON.stringify(diff)}`);
});

kopf.on.field(kopfExamples, 'spec.lst', function updateLst({ old, new: current, logger }) {
  logger.info(`Handling the FIELD = ${JSON.stringify(old)} -> ${JSON.stringify(current)}`);
});

kopf.on.delete(kopfExamples, function deleteFn({ logger }) {
  logger.info('Deleting.');
});

kopf.on.event(
  'pods',
  function childEvent({ type, name, logger }) {
    logger.info(`Event of a child: ${type ?? 'LISTED'} ${name}`);
  },
  { labels: { application: 'kopf-example-99' } },
);

/** A labelled child pod, adopted by the owner (deleted with it by Kubernetes). */
async function createChildren(owner: kopf.TypedObject): Promise<kopf.KubernetesObject[]> {
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { labels: { application: 'kopf-example-99' } },
    spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
  };
  kopf.adopt(pod, { owner });
  const created = await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
  return [created as kopf.KubernetesObject];
}

// Marks for the e2e test: it also changes spec.lst once.
export const E2E_ALLOW_TRACEBACKS = true;
export const E2E_UPDATE_PATCH = { spec: { lst: ['a', 'b'] } };
export const E2E_CREATION_STOP_WORDS = ['Creation is processed:', 'Event of a child:'];
export const E2E_CLEANUP_STOP_WORDS = ['Cleaning up...'];
export const E2E_SUCCESS_COUNTS = {
  startupFnSimple: 1,
  cleanupFn: 1,
  create1: 1,
  create2: 1,
  update: 1,
  'updateLst/spec.lst': 1,
  deleteFn: 1,
};
