/**
 * What a typed `@kubernetes/client-node` call needs, read from its name alone: `createNamespacedPod`
 * on a `CoreV1Api` is `create` on core `pods`; `patchNamespacedDeploymentScale` on an `AppsV1Api` is
 * `patch` on `apps` `deployments/scale`. Purely syntactic and deterministic: no type checking.
 */

/** Verb prefixes of the typed API classes' methods, longest first. */
const METHOD_VERBS: ReadonlyArray<readonly [string, string]> = [
  ['deleteCollection', 'deletecollection'],
  ['create', 'create'],
  ['read', 'get'],
  ['replace', 'update'],
  ['patch', 'patch'],
  ['delete', 'delete'],
  ['list', 'list'],
  ['watch', 'watch'],
];

/**
 * Subresource suffixes of method names (`readNamespacedPodLog` → `pods/log`) → the kinds that have
 * them (`createNamespacedRoleBinding` is `rolebindings`, not `roles/binding`); `*`: any kind.
 */
const SUBRESOURCES: Readonly<Record<string, readonly string[]>> = {
  Status: ['*'],
  Scale: ['*'],
  Log: ['Pod'],
  Eviction: ['Pod'],
  Ephemeralcontainers: ['Pod'],
  Binding: ['Pod'],
  Resize: ['Pod'],
  Proxy: ['Pod', 'Service', 'Node'],
  Token: ['ServiceAccount'],
  Approval: ['CertificateSigningRequest'],
  Finalize: ['Namespace'],
};

/** Kinds whose plural is not the regular one. */
const IRREGULAR_PLURALS: Readonly<Record<string, string>> = {
  Endpoints: 'endpoints',
  ComponentStatus: 'componentstatuses',
};

/** API class name prefix (before `V1Api`, `V1beta1Api`, ...) → API group. */
const API_GROUPS: Readonly<Record<string, string>> = {
  Core: '',
  Admissionregistration: 'admissionregistration.k8s.io',
  Apiextensions: 'apiextensions.k8s.io',
  Apiregistration: 'apiregistration.k8s.io',
  Apps: 'apps',
  Authentication: 'authentication.k8s.io',
  Authorization: 'authorization.k8s.io',
  Autoscaling: 'autoscaling',
  Batch: 'batch',
  Certificates: 'certificates.k8s.io',
  Coordination: 'coordination.k8s.io',
  Discovery: 'discovery.k8s.io',
  Events: 'events.k8s.io',
  FlowcontrolApiserver: 'flowcontrol.apiserver.k8s.io',
  InternalApiserver: 'internal.apiserver.k8s.io',
  Networking: 'networking.k8s.io',
  Node: 'node.k8s.io',
  Policy: 'policy',
  RbacAuthorization: 'rbac.authorization.k8s.io',
  Resource: 'resource.k8s.io',
  Scheduling: 'scheduling.k8s.io',
  Storage: 'storage.k8s.io',
  Storagemigration: 'storagemigration.k8s.io',
};

export interface TypedCall {
  readonly verb: string;
  /** `pods` or `pods/status`. */
  readonly resource: string;
  /** `Namespaced` in the name: in one namespace; else cluster-scoped (or across all namespaces). */
  readonly namespaced: boolean;
  /** `listPodForAllNamespaces`: needs the ClusterRole even for a namespaced kind. */
  readonly allNamespaces: boolean;
}

/** A typed API method's verb and resource; undefined for anything else. */
export function parseTypedMethod(method: string): TypedCall | undefined {
  const prefix = METHOD_VERBS.find(([name]) => method.startsWith(name));
  if (!prefix) return undefined;
  let rest = method.slice(prefix[0].length);
  const namespaced = rest.startsWith('Namespaced');
  if (namespaced) rest = rest.slice('Namespaced'.length);
  const allNamespaces = rest.endsWith('ForAllNamespaces');
  if (allNamespaces) rest = rest.slice(0, -'ForAllNamespaces'.length);
  if (!/^[A-Z][A-Za-z0-9]*$/.test(rest)) return undefined;
  let subresource = '';
  for (const [suffix, kinds] of Object.entries(SUBRESOURCES)) {
    const kind = rest.slice(0, -suffix.length);
    if (!rest.endsWith(suffix) || !kind || rest in IRREGULAR_PLURALS) continue;
    if (!kinds.includes('*') && !kinds.includes(kind)) continue;
    subresource = suffix.toLowerCase();
    rest = kind;
    break;
  }
  const plural = pluralOfKind(rest);
  return {
    verb: prefix[1],
    resource: subresource ? `${plural}/${subresource}` : plural,
    namespaced: namespaced || allNamespaces,
    allNamespaces,
  };
}

/** Kubernetes' plural of a kind: lower-cased, `-y` → `-ies`, `-s`/`-x`/`-ch`/`-sh` → `-es`, else `-s`. */
export function pluralOfKind(kind: string): string {
  const irregular = IRREGULAR_PLURALS[kind];
  if (irregular) return irregular;
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

/**
 * The API group of a client-node API class (`CoreV1Api` → `''`, `AppsV1Api` → `apps`,
 * `NetworkingV1beta1Api` → `networking.k8s.io`); undefined when unknown.
 */
export function groupOfApiClass(className: string): string | undefined {
  const match = /^([A-Za-z]+?)V\d+(?:(?:alpha|beta)\d+)?Api$/.exec(className);
  return match ? API_GROUPS[match[1]!] : undefined;
}

/** `CustomObjectsApi` methods: `createNamespacedCustomObject`, `getClusterCustomObjectStatus`, ... */
export function parseCustomObjectMethod(
  method: string,
): { verb: string; namespaced: boolean; subresource: string } | undefined {
  const match =
    /^(get|create|replace|patch|deleteCollection|delete|list)(Namespaced|Cluster)CustomObject(Status|Scale)?$/.exec(
      method,
    );
  if (!match) return undefined;
  const verbs: Record<string, string> = { replace: 'update', deleteCollection: 'deletecollection' };
  return {
    verb: verbs[match[1]!] ?? match[1]!,
    namespaced: match[2] === 'Namespaced',
    subresource: match[3]?.toLowerCase() ?? '',
  };
}
