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
  /** The categories it belongs to (`all`, ...), as discovery or a CRD's `spec.names.categories` say. */
  readonly categories?: readonly string[];
  /** The verbs the API serves for it (`list`, `watch`, `patch`, ...), from discovery; not RBAC's. */
  readonly verbs?: readonly string[];
}

/**
 * What users may pass wherever a resource is expected: a descriptor, or a selector string such as
 * `'pods'`, `'deployments.apps'` or `'kopfexamples.v1.kopf.dev'` (grammar: `parseSelector()`).
 */
export type ResourceSelector = ResourceInfo | string;

/**
 * Selects resources by what they are rather than by name (Kopf's non-specific selectors): every
 * served resource that matches all the given fields — possibly none, possibly many. At least one of
 * `everything`, `category` and `where` must be given; `group` and `version` narrow them.
 */
export interface ResourceQuery {
  /** Every served resource (as Kopf's `EVERYTHING`), except Events, which handling itself produces. */
  readonly everything?: true;
  /** The resources of this category (`spec.names.categories` of a CRD, e.g. `all`). */
  readonly category?: string;
  /**
   * The resources this predicate accepts (as Kopf's callable selectors). It sees every served
   * version unless `version` is given, and never Events.
   */
  readonly where?: (resource: ResourceInfo) => boolean;
  /** Only this API group (`''`: the core group). */
  readonly group?: string;
  /** Only this version; by default each group's preferred version (for `where`: every version). */
  readonly version?: string;
}

/** What a handler may be registered for: one named resource, or a query selecting several. */
export type HandlerSelector = ResourceSelector | ResourceQuery;

/** Whether a handler's selector is a query (selecting any number of resources) rather than a name. */
export function isResourceQuery(selector: HandlerSelector): selector is ResourceQuery {
  return typeof selector === 'object' && !('plural' in selector);
}

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

/**
 * A text for a selector, in messages and to tell handlers apart: a string as written, a descriptor by
 * its versioned name, a query by its fields (`{category=all,group=kopf.dev}`; a predicate by its name).
 */
export function selectorKey(selector: HandlerSelector): string {
  if (typeof selector === 'string') return selector;
  if (!isResourceQuery(selector)) return versionedName(selector);
  const { everything, category, where, group, version } = selector;
  const fields = [
    everything ? 'everything' : '',
    category !== undefined ? `category=${category}` : '',
    where ? `where=${where.name || 'predicate'}` : '',
    group !== undefined ? `group=${group}` : '',
    version !== undefined ? `version=${version}` : '',
  ];
  return `{${fields.filter(Boolean).join(',')}}`;
}

/** Whether two selectors are the same: names by their text, queries by identity (predicates differ). */
export function sameSelector(a: HandlerSelector, b: HandlerSelector): boolean {
  return isResourceQuery(a) || isResourceQuery(b) ? a === b : selectorKey(a) === selectorKey(b);
}
