/** The RBAC scan's reading of client-node method names, API classes and `kopf.builtins`. */
import { describe, expect, it } from 'vitest';
import {
  groupOfApiClass,
  parseCustomObjectMethod,
  parseTypedMethod,
  pluralOfKind,
} from '../../generator/project/client-node-calls.ts';
import { resolveSelector } from '../../generator/project/rbac-scan.ts';
import { builtins } from '../../runtime/api/builtins.ts';

describe('client-node method names', () => {
  it.each([
    ['createNamespacedPod', 'create', 'pods', true, false],
    ['readNamespacedPod', 'get', 'pods', true, false],
    ['replaceNamespacedConfigMap', 'update', 'configmaps', true, false],
    ['patchNamespacedPodStatus', 'patch', 'pods/status', true, false],
    ['readNamespacedPodLog', 'get', 'pods/log', true, false],
    ['createNamespacedPodEviction', 'create', 'pods/eviction', true, false],
    ['patchNamespacedDeploymentScale', 'patch', 'deployments/scale', true, false],
    ['createNamespacedServiceAccountToken', 'create', 'serviceaccounts/token', true, false],
    ['deleteCollectionNamespacedPod', 'deletecollection', 'pods', true, false],
    ['deleteNamespacedPod', 'delete', 'pods', true, false],
    ['listPodForAllNamespaces', 'list', 'pods', true, true],
    ['listNamespace', 'list', 'namespaces', false, false],
    ['replaceNamespaceFinalize', 'update', 'namespaces/finalize', false, false],
    ['createNamespacedRoleBinding', 'create', 'rolebindings', true, false],
    ['createClusterRoleBinding', 'create', 'clusterrolebindings', false, false],
    ['createNamespacedBinding', 'create', 'bindings', true, false],
    ['readNamespacedEndpoints', 'get', 'endpoints', true, false],
    ['createNamespacedIngress', 'create', 'ingresses', true, false],
    ['createNamespacedNetworkPolicy', 'create', 'networkpolicies', true, false],
    ['readComponentStatus', 'get', 'componentstatuses', false, false],
    ['patchNamespacedHorizontalPodAutoscalerStatus', 'patch', 'horizontalpodautoscalers/status', true, false],
  ])('%s → %s %s', (method, verb, resource, namespaced, allNamespaces) => {
    expect(parseTypedMethod(method)).toEqual({ verb, resource, namespaced, allNamespaces });
  });

  it('is no typed call without a kind', () => {
    for (const method of ['create', 'delete', 'list', 'readonly', 'getAPIResources', 'patchnamespaced'])
      expect(parseTypedMethod(method)).toBeUndefined();
  });

  it('pluralises kinds like Kubernetes', () => {
    expect(
      ['Pod', 'Policy', 'Ingress', 'Endpoints', 'StorageClass', 'Lease', 'EndpointSlice'].map(pluralOfKind),
    ).toEqual(['pods', 'policies', 'ingresses', 'endpoints', 'storageclasses', 'leases', 'endpointslices']);
  });

  it('knows the group of an API class', () => {
    expect(groupOfApiClass('CoreV1Api')).toBe('');
    expect(groupOfApiClass('AppsV1Api')).toBe('apps');
    expect(groupOfApiClass('BatchV1Api')).toBe('batch');
    expect(groupOfApiClass('NetworkingV1Api')).toBe('networking.k8s.io');
    expect(groupOfApiClass('NetworkingV1beta1Api')).toBe('networking.k8s.io');
    expect(groupOfApiClass('RbacAuthorizationV1Api')).toBe('rbac.authorization.k8s.io');
    expect(groupOfApiClass('CoordinationV1Api')).toBe('coordination.k8s.io');
    expect(groupOfApiClass('AutoscalingV2Api')).toBe('autoscaling');
    expect(groupOfApiClass('MadeUpV1Api')).toBeUndefined();
    expect(groupOfApiClass('CustomObjectsApi')).toBeUndefined();
  });

  it('reads CustomObjectsApi methods', () => {
    expect(parseCustomObjectMethod('getNamespacedCustomObject')).toEqual({
      verb: 'get',
      namespaced: true,
      subresource: '',
    });
    expect(parseCustomObjectMethod('patchClusterCustomObjectStatus')).toEqual({
      verb: 'patch',
      namespaced: false,
      subresource: 'status',
    });
    expect(parseCustomObjectMethod('deleteCollectionNamespacedCustomObject')?.verb).toBe('deletecollection');
    expect(parseCustomObjectMethod('replaceNamespacedCustomObjectScale')?.verb).toBe('update');
    expect(parseCustomObjectMethod('createNamespacedPod')).toBeUndefined();
  });
});

describe('kopf.builtins', () => {
  it('the scan resolves every built-in descriptor of the runtime by its name, with its group and scope', () => {
    for (const [name, r] of Object.entries(builtins)) {
      expect(resolveSelector(name, []), name).toEqual({
        group: r.group,
        plural: r.plural,
        namespaced: r.namespaced,
      });
    }
  });
});
