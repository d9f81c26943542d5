/**
 * 10-builtins: handlers for a built-in resource, pods. Every pod in sight gets an in-memory task
 * that would delete it after a while; the task is cancelled when the pod is deleted first.
 * (In-memory state is lost on restarts: the resume handler re-creates it.)
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import * as kopf from 'kopf-ts';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const core = kubeConfig.makeApiClient(CoreV1Api);

/** namespace/name → the pod killer's cancellation. */
const tasks = new Map<string, AbortController>();

async function podInSight({
  namespace,
  name,
  logger,
}: {
  namespace?: string;
  name: string;
  logger: kopf.Logger;
}) {
  if (!namespace || namespace.startsWith('kube-')) return;
  const cancel = new AbortController();
  tasks.set(`${namespace}/${name}`, cancel);
  void podKiller(namespace, name, logger, cancel.signal);
}
kopf.on.resume('pods', podInSight);
kopf.on.create('pods', podInSight);

kopf.on.delete('pods', function podDeleted({ namespace, name }) {
  tasks.get(`${namespace}/${name}`)?.abort();
});

async function podKiller(
  namespace: string,
  name: string,
  logger: kopf.Logger,
  signal: AbortSignal,
  timeout = 30,
) {
  try {
    logger.info(`=== Pod killing happens in ${timeout}s.`);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, timeout * 1000);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
    });
    logger.info('=== Pod killing happens NOW!');
    await core.deleteNamespacedPod({ namespace, name });
  } catch (error) {
    if (signal.aborted) logger.info('=== Pod killing is cancelled!');
    else logger.error(`=== Pod killing failed: ${String(error)}`);
  } finally {
    tasks.delete(`${namespace}/${name}`);
  }
}

// Marks for the e2e test: it creates and deletes a pod (pod.yaml) instead of a KopfExample.
export const E2E_OBJECT = {
  file: 'examples/10-builtins/pod.yaml',
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'kopf-example-pod',
};
export const E2E_CREATION_STOP_WORDS = ['=== Pod killing happens in'];
export const E2E_DELETION_STOP_WORDS = ['=== Pod killing is cancelled!'];
export const E2E_SUCCESS_COUNTS = { podInSight: 1, podDeleted: 1 };
