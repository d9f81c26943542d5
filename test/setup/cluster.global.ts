/**
 * Vitest global set-up for end-to-end tests: one real local API server per test run, shared by all
 * e2e test files through `inject('cluster')` (see test/setup/cluster.ts).
 */
import type { TestProject } from 'vitest/node';
import { startLocalCluster, type LocalClusterInfo } from '../../runtime/testing/cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: LocalClusterInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const began = Date.now();
  const cluster = await startLocalCluster({ progress: (line) => console.error(line) });
  console.error(
    `local cluster: kube-apiserver ${cluster.kubernetesVersion} at ${cluster.url}, ready in ${cluster.startupMillis} ms ` +
      `(${Date.now() - began} ms including the build check); logs in ${cluster.dir}/logs`,
  );
  const { stop, kubeConfig: _kc, restartApiserver: _r, ...info } = cluster;
  project.provide('cluster', info);
  return stop;
}
