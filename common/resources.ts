/**
 * The one vocabulary the generator and the runtime share: how a Kubernetes resource is named.
 * kopf-gen emits descriptors of this shape; the runtime accepts them wherever a resource is named.
 * How names are spelled (`plural.version.group`, ...) is here; how a name selects resources is in
 * `selectors.ts`; the built-in resources are in `builtins.ts`.
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

/**
 * What users may pass wherever a resource is expected: a descriptor, or a selector string such as
 * `'pods'`, `'deployments.apps'` or `'kopfexamples.v1.kopf.dev'` (grammar: `parseSelector()`).
 */
export type ResourceSelector = ResourceInfo | string;

/** `group/version`, or just `version` for the core group: the `apiVersion` of the resource's objects. */
export function apiVersionOf(resource: Pick<ResourceInfo, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/**
 * `plural.group` (`kopfexamples.kopf.dev`), or `plural` for the core group: the name of a CRD, and
 * how RBAC and kubectl name a resource regardless of its version.
 */
export function qualifiedName(resource: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

/**
 * `plural.version.group` (`kopfexamples.v1.kopf.dev`), or `plural.version` for the core group
 * (`pods.v1`): one served version of a resource, as logs, metrics and Kopf name it.
 */
export function versionedName(resource: Pick<ResourceInfo, 'group' | 'version' | 'plural'>): string {
  const core = `${resource.plural}.${resource.version}`;
  return resource.group ? `${core}.${resource.group}` : core;
}

/** A stable text for a selector: a string as written, a descriptor by its versioned name. */
export function selectorKey(selector: ResourceSelector): string {
  return typeof selector === 'string' ? selector : versionedName(selector);
}
