import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { eventually } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { OBJ_NAME, describeExample, expectationsOf } from './examples-kit.ts';

describeExample('04-events', async (_run, namespace) => {
  // The explicit events outlive the object (Kubernetes keeps them for an hour).
  const expected = (await expectationsOf('04-events'))['E2E_EVENT_TYPES'] as string[];
  const core = testCluster().kubeConfig().makeApiClient(CoreV1Api);
  const types = await eventually(
    async () => {
      const events = await core.listNamespacedEvent({ namespace });
      const ours = events.items.filter(
        (e) => e.involvedObject.name === OBJ_NAME && e.reason === 'SomeReason',
      );
      return ours.length >= expected.length ? ours.map((e) => e.type) : undefined;
    },
    { what: 'the example events' },
  );
  expect([...types].sort()).toEqual([...expected].sort());
});
