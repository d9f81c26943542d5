/**
 * `kopf-ts/testing`: the test kit. A real local Kubernetes API server (the same one kopf-ts tests
 * itself against) and helpers to drive it from vitest.
 */
export {
  startLocalCluster,
  attachLocalCluster,
  buildLocalCluster,
  type LocalCluster,
  type LocalClusterInfo,
  type StartOptions,
} from './cluster.ts';
export {
  applyYaml,
  applyYamlFile,
  waitForCrd,
  freshNamespace,
  serviceAccountKubeConfig,
  eventually,
  type TestNamespace,
} from './kube.ts';
export { run, type OperatorRunner, type RunOptions } from './runner.ts';
