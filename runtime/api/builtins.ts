/**
 * Ready descriptors of common built-in resources, typed with client-node's models, so that handlers
 * of built-ins get typed `spec` and `status`:
 *
 * @example
 * ```ts
 * kopf.on.create(kopf.builtins.pods, function podCreated({ spec, logger }) {
 *   logger.info(`containers: ${spec.containers.map((c) => c.name).join(', ')}`);
 * });
 * ```
 *
 * Objects without `spec` (ConfigMaps, Secrets) carry their fields on the body (`body.data`).
 */
import type {
  V1DeploymentSpec,
  V1DeploymentStatus,
  V1JobSpec,
  V1JobStatus,
  V1NamespaceSpec,
  V1NamespaceStatus,
  V1NodeSpec,
  V1NodeStatus,
  V1PodSpec,
  V1PodStatus,
  V1ServiceSpec,
  V1ServiceStatus,
  V1StatefulSetSpec,
  V1StatefulSetStatus,
} from '@kubernetes/client-node';
import { resource } from './resources.ts';

type Nothing = Record<string, never>;

/** Typed descriptors of built-in resources (resolved through discovery like any other). */
export const builtins = Object.freeze({
  pods: resource<V1PodSpec, V1PodStatus>({
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    namespaced: true,
  }),
  services: resource<V1ServiceSpec, V1ServiceStatus>({
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
  }),
  configmaps: resource<Nothing, Nothing>({
    group: '',
    version: 'v1',
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
  }),
  secrets: resource<Nothing, Nothing>({
    group: '',
    version: 'v1',
    plural: 'secrets',
    kind: 'Secret',
    namespaced: true,
  }),
  namespaces: resource<V1NamespaceSpec, V1NamespaceStatus>({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
  }),
  nodes: resource<V1NodeSpec, V1NodeStatus>({
    group: '',
    version: 'v1',
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
  }),
  deployments: resource<V1DeploymentSpec, V1DeploymentStatus>({
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
  }),
  statefulsets: resource<V1StatefulSetSpec, V1StatefulSetStatus>({
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
  }),
  jobs: resource<V1JobSpec, V1JobStatus>({
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    kind: 'Job',
    namespaced: true,
  }),
});
