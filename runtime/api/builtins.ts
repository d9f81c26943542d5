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
import { BUILTIN_RESOURCES } from '../../common/builtins.ts';
import { resource } from './resources.ts';

type Nothing = Record<string, never>;

/** Typed descriptors of built-in resources (resolved through discovery like any other). */
export const builtins = Object.freeze({
  pods: resource<V1PodSpec, V1PodStatus>(BUILTIN_RESOURCES.pods),
  services: resource<V1ServiceSpec, V1ServiceStatus>(BUILTIN_RESOURCES.services),
  configmaps: resource<Nothing, Nothing>(BUILTIN_RESOURCES.configmaps),
  secrets: resource<Nothing, Nothing>(BUILTIN_RESOURCES.secrets),
  namespaces: resource<V1NamespaceSpec, V1NamespaceStatus>(BUILTIN_RESOURCES.namespaces),
  nodes: resource<V1NodeSpec, V1NodeStatus>(BUILTIN_RESOURCES.nodes),
  deployments: resource<V1DeploymentSpec, V1DeploymentStatus>(BUILTIN_RESOURCES['deployments.apps']),
  statefulsets: resource<V1StatefulSetSpec, V1StatefulSetStatus>(BUILTIN_RESOURCES['statefulsets.apps']),
  jobs: resource<V1JobSpec, V1JobStatus>(BUILTIN_RESOURCES['jobs.batch']),
});
