/**
 * 02-children: a child Pod per object. `kopf.adopt()` makes it a child — an owner reference (so
 * Kubernetes deletes it with its parent), the parent's namespace, a name prefix and labels — and
 * its name goes to `status.createFn.children`.
 */
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const core = kubeConfig.makeApiClient(CoreV1Api);

kopf.on.create(kopfExamples, async function createFn({ body, spec, logger }) {
  // Render the pod yaml with some spec fields used in the template.
  const pod: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {},
    spec: {
      containers: [
        {
          name: 'the-only-one',
          image: 'busybox',
          command: ['sh', '-c', `echo "Sleeping for ${String(spec['duration'] ?? '1m')}"; sleep 60`],
        },
      ],
    },
  };
  // Make it our child: assign the namespace, name, labels, owner references, etc.
  kopf.adopt(pod, { owner: body });
  const created = await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
  logger.info(`POD child is created: ${created.metadata?.name}`);
  return { children: [created.metadata?.uid] };
});

export const E2E_SUCCESS_COUNTS = { createFn: 1 };
