/**
 * Built-in Kubernetes resources, keyed by their qualified name (`deployments.apps`; core: `pods`),
 * at the version Kubernetes prefers for them. One table for the runtime (its own resources,
 * `kopf.builtins`) and the generator (RBAC for handlers on built-ins, named any way the selector
 * grammar allows). An e2e test checks every row against a real API server's discovery.
 */
import type { ResourceInfo } from './resources.ts';

/** A row: the resource as discovery describes it (no subresources: they differ per server). */
function row(
  group: string,
  version: string,
  kind: string,
  plural: string,
  scope: 'namespaced' | 'cluster',
  shortNames: readonly string[] = [],
): ResourceInfo {
  return Object.freeze({
    group,
    version,
    plural,
    kind,
    namespaced: scope === 'namespaced',
    ...(shortNames.length ? { shortNames: Object.freeze([...shortNames]) } : {}),
  });
}

export const BUILTIN_RESOURCES = Object.freeze({
  // The core group (`v1`): the resources most often named by their plural alone.
  configmaps: row('', 'v1', 'ConfigMap', 'configmaps', 'namespaced', ['cm']),
  endpoints: row('', 'v1', 'Endpoints', 'endpoints', 'namespaced', ['ep']),
  events: row('', 'v1', 'Event', 'events', 'namespaced', ['ev']),
  limitranges: row('', 'v1', 'LimitRange', 'limitranges', 'namespaced', ['limits']),
  namespaces: row('', 'v1', 'Namespace', 'namespaces', 'cluster', ['ns']),
  nodes: row('', 'v1', 'Node', 'nodes', 'cluster', ['no']),
  persistentvolumeclaims: row('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', 'namespaced', [
    'pvc',
  ]),
  persistentvolumes: row('', 'v1', 'PersistentVolume', 'persistentvolumes', 'cluster', ['pv']),
  pods: row('', 'v1', 'Pod', 'pods', 'namespaced', ['po']),
  podtemplates: row('', 'v1', 'PodTemplate', 'podtemplates', 'namespaced'),
  replicationcontrollers: row('', 'v1', 'ReplicationController', 'replicationcontrollers', 'namespaced', [
    'rc',
  ]),
  resourcequotas: row('', 'v1', 'ResourceQuota', 'resourcequotas', 'namespaced', ['quota']),
  secrets: row('', 'v1', 'Secret', 'secrets', 'namespaced'),
  serviceaccounts: row('', 'v1', 'ServiceAccount', 'serviceaccounts', 'namespaced', ['sa']),
  services: row('', 'v1', 'Service', 'services', 'namespaced', ['svc']),
  // Workloads.
  'controllerrevisions.apps': row('apps', 'v1', 'ControllerRevision', 'controllerrevisions', 'namespaced'),
  'daemonsets.apps': row('apps', 'v1', 'DaemonSet', 'daemonsets', 'namespaced', ['ds']),
  'deployments.apps': row('apps', 'v1', 'Deployment', 'deployments', 'namespaced', ['deploy']),
  'replicasets.apps': row('apps', 'v1', 'ReplicaSet', 'replicasets', 'namespaced', ['rs']),
  'statefulsets.apps': row('apps', 'v1', 'StatefulSet', 'statefulsets', 'namespaced', ['sts']),
  'cronjobs.batch': row('batch', 'v1', 'CronJob', 'cronjobs', 'namespaced', ['cj']),
  'jobs.batch': row('batch', 'v1', 'Job', 'jobs', 'namespaced'),
  'horizontalpodautoscalers.autoscaling': row(
    'autoscaling',
    'v2',
    'HorizontalPodAutoscaler',
    'horizontalpodautoscalers',
    'namespaced',
    ['hpa'],
  ),
  'poddisruptionbudgets.policy': row(
    'policy',
    'v1',
    'PodDisruptionBudget',
    'poddisruptionbudgets',
    'namespaced',
    ['pdb'],
  ),
  // Networking, access, storage, coordination.
  'endpointslices.discovery.k8s.io': row(
    'discovery.k8s.io',
    'v1',
    'EndpointSlice',
    'endpointslices',
    'namespaced',
  ),
  'ingresses.networking.k8s.io': row('networking.k8s.io', 'v1', 'Ingress', 'ingresses', 'namespaced', [
    'ing',
  ]),
  'ingressclasses.networking.k8s.io': row(
    'networking.k8s.io',
    'v1',
    'IngressClass',
    'ingressclasses',
    'cluster',
  ),
  'networkpolicies.networking.k8s.io': row(
    'networking.k8s.io',
    'v1',
    'NetworkPolicy',
    'networkpolicies',
    'namespaced',
    ['netpol'],
  ),
  'clusterrolebindings.rbac.authorization.k8s.io': row(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    'cluster',
  ),
  'clusterroles.rbac.authorization.k8s.io': row(
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRole',
    'clusterroles',
    'cluster',
  ),
  'rolebindings.rbac.authorization.k8s.io': row(
    'rbac.authorization.k8s.io',
    'v1',
    'RoleBinding',
    'rolebindings',
    'namespaced',
  ),
  'roles.rbac.authorization.k8s.io': row('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', 'namespaced'),
  'storageclasses.storage.k8s.io': row('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', 'cluster', [
    'sc',
  ]),
  'leases.coordination.k8s.io': row('coordination.k8s.io', 'v1', 'Lease', 'leases', 'namespaced'),
  'priorityclasses.scheduling.k8s.io': row(
    'scheduling.k8s.io',
    'v1',
    'PriorityClass',
    'priorityclasses',
    'cluster',
    ['pc'],
  ),
  // What operators and the framework itself watch or post.
  'customresourcedefinitions.apiextensions.k8s.io': row(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    'cluster',
    ['crd', 'crds'],
  ),
  'events.events.k8s.io': row('events.k8s.io', 'v1', 'Event', 'events', 'namespaced', ['ev']),
  'mutatingwebhookconfigurations.admissionregistration.k8s.io': row(
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    'cluster',
  ),
  'validatingwebhookconfigurations.admissionregistration.k8s.io': row(
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    'cluster',
  ),
});

/** Every built-in resource of the table. */
export const BUILTIN_RESOURCE_LIST: readonly ResourceInfo[] = Object.freeze(Object.values(BUILTIN_RESOURCES));
