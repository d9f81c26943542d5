/**
 * The one vocabulary the generator and the runtime share: how a Kubernetes resource is named.
 * kopf-gen emits descriptors of this shape; the runtime accepts them wherever a resource is named.
 */

/** Identifies one served version of a Kubernetes resource. */
export interface ResourceInfo {
  /** API group; `''` for the core group (pods, configmaps, ...). */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural name used in URLs, e.g. `kopfexamples`. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Subresources the resource declares (the status subresource changes how status is patched). */
  readonly subresources?: { readonly status?: boolean; readonly scale?: boolean };
  readonly singular?: string;
  readonly shortNames?: readonly string[];
}

/** `group/version`, or just `version` for the core group: the `apiVersion` of the resource's objects. */
export function apiVersionOf(resource: Pick<ResourceInfo, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** The fully-qualified name Kubernetes uses for CRDs and RBAC, e.g. `kopfexamples.kopf.dev`, or `pods`. */
export function qualifiedName(resource: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}
