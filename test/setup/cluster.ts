/** The shared local cluster, as seen from inside an e2e test file. */
import { inject } from 'vitest';
import { attachLocalCluster, type LocalCluster } from '../../runtime/testing/cluster.ts';

/** The run's local cluster (started by the global set-up). */
export function testCluster(): LocalCluster {
  return attachLocalCluster(inject('cluster'));
}
