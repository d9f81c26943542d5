/**
 * The selector grammar: what a resource name written by a user (`kopf.on.create('deploy', ...)`)
 * means, and which resources it selects. Kopf's `Selector` semantics (kopf/_cogs/structs/references.py),
 * for strings:
 *
 * | written                              | name           | version   | group           |
 * |--------------------------------------|----------------|-----------|-----------------|
 * | `kopfexamples`, `KopfExample`, `kex` | as written     | preferred | any; core wins  |
 * | `kopfexamples.kopf.dev`              | `kopfexamples` | preferred | `kopf.dev`      |
 * | `kopfexamples.v1.kopf.dev`           | `kopfexamples` | `v1`      | `kopf.dev`      |
 * | `pods.v1`                            | `pods`         | `v1`      | any; core wins  |
 * | `kopf.dev/v1/kopfexamples`           | `kopfexamples` | `v1`      | `kopf.dev`      |
 * | `v1/pods`                            | `pods`         | `v1`      | `''` (core)     |
 * | `apps/deployments`                   | `deployments`  | preferred | `apps`          |
 *
 * The name is matched against the plural, the singular, the kind and the short names. A second
 * dot-part that looks like a Kubernetes version (`v1`, `v2beta1`) is always read as the version:
 * a group that starts with such a part (`v1.example.com`) cannot be named in a string (use a
 * descriptor), exactly as in Kopf.
 *
 * Queries (`ResourceQuery`: everything, a category, a predicate) select by what resources are, not by
 * name: {@link queryMatches} is Kopf's `Selector.check()` for its non-specific selectors.
 */
import type { ResourceInfo, ResourceQuery } from './resources.ts';

/** What a selector string asks for. */
export interface SelectorSpec {
  /** A plural, singular, kind or short name (matched case-insensitively). */
  readonly name: string;
  /** `undefined`: any group (a core-group match hides the others); `''`: the core group. */
  readonly group?: string;
  /** `undefined`: the preferred version of each group. */
  readonly version?: string;
}

/** The selector string cannot be read; the message names it and says why. */
export class SelectorError extends Error {
  readonly selector: string;
  constructor(selector: string, reason: string) {
    super(`Resource selector '${selector}' is malformed: ${reason}.`);
    this.name = 'SelectorError';
    this.selector = selector;
  }
}

/** A conventional Kubernetes API version: `v1`, `v1alpha1`, `v2beta3`. */
const VERSION = /^v\d+(?:(?:alpha|beta)\d+)?$/;
/** A name: a plural, singular or short name (lower-case), or a kind (CamelCase). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
/** An API group: a DNS subdomain (lower-case labels joined by dots). */
const GROUP = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Read a selector string (see the module's table). Throws {@link SelectorError} when malformed. */
export function parseSelector(text: string): SelectorSpec {
  const fail = (reason: string): never => {
    throw new SelectorError(text, reason);
  };
  if (text.trim() !== text || text === '') fail('it is empty or has surrounding spaces');
  let spec: SelectorSpec;
  if (text.includes('/')) {
    const parts = text.split('/');
    if (parts.length === 3) {
      const [group, version, name] = parts as [string, string, string];
      spec = { name, group, version };
    } else if (parts.length === 2) {
      // Like an `apiVersion` of the core group (`v1/pods`), else a group without a version.
      const [first, name] = parts as [string, string];
      spec = VERSION.test(first) ? { name, group: '', version: first } : { name, group: first };
    } else {
      spec = fail("expected 'group/version/name', 'version/name' or 'group/name'");
    }
  } else {
    const [name = '', second, ...rest] = text.split('.');
    if (second === undefined) spec = { name };
    else if (VERSION.test(second))
      spec = rest.length ? { name, version: second, group: rest.join('.') } : { name, version: second };
    else spec = { name, group: [second, ...rest].join('.') };
  }
  if (!NAME.test(spec.name))
    fail(`'${spec.name}' is not a resource name (plural, singular, kind or short name)`);
  if (spec.version !== undefined && !VERSION.test(spec.version))
    fail(`'${spec.version}' is not an API version`);
  if (spec.group !== undefined && spec.group !== '' && !GROUP.test(spec.group))
    fail(`'${spec.group}' is not an API group`);
  if (spec.group === '' && !text.includes('/')) fail('the group after the dot is empty');
  return spec;
}

/** {@link parseSelector} for callers that report a malformed selector rather than throw: the error is returned. */
export function readSelector(text: string): SelectorSpec | SelectorError {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) return error;
    throw error;
  }
}

/** Whether a group-version is one the selector looks in; `preferred`: it is its group's preferred one. */
export function selectsGroupVersion(
  spec: SelectorSpec,
  groupVersion: Pick<ResourceInfo, 'group' | 'version'>,
  preferred: boolean,
): boolean {
  return (
    (spec.group === undefined || spec.group === groupVersion.group) &&
    (spec.version === undefined ? preferred : spec.version === groupVersion.version)
  );
}

/** Whether the selector's name is one of the resource's names: plural, singular, kind, short names. */
export function selectsName(
  spec: SelectorSpec,
  resource: Pick<ResourceInfo, 'plural' | 'singular' | 'kind' | 'shortNames'>,
): boolean {
  const name = spec.name.toLowerCase();
  const kind = resource.kind.toLowerCase();
  return (
    name === resource.plural ||
    name === kind ||
    name === (resource.singular ?? kind) ||
    (resource.shortNames ?? []).includes(name)
  );
}

/**
 * The resources a selector selects among the candidates (`preferred` says which are their group's
 * preferred version; by default all are). As in Kopf and kubectl, a core-group match hides the
 * same-named resources of other groups (`events` is `v1/events`, not `events.k8s.io`). More than one
 * result means the selector is ambiguous.
 */
export function selectResources<R extends ResourceInfo>(
  spec: SelectorSpec,
  candidates: readonly R[],
  preferred: (resource: R) => boolean = () => true,
): R[] {
  const matches = candidates.filter(
    (resource) => selectsGroupVersion(spec, resource, preferred(resource)) && selectsName(spec, resource),
  );
  const core = matches.filter((resource) => resource.group === '');
  return core.length > 0 ? core : matches;
}

/**
 * Check a query at registration: the error says what is wrong with it, or `undefined` when it is
 * well-formed. It must select by something (`everything`, `category` or `where`): an empty object
 * would serve every resource of the cluster by accident.
 */
export function queryProblem(query: ResourceQuery): string | undefined {
  const { everything, category, where, group, version } = query;
  if (everything === undefined && category === undefined && where === undefined)
    return 'a resource query needs `everything: true`, a `category` or a `where` predicate';
  if (everything !== undefined && everything !== true) return '`everything` must be `true`';
  if (category !== undefined && (typeof category !== 'string' || !NAME.test(category)))
    return `the category ${JSON.stringify(category)} is not a name`;
  if (where !== undefined && typeof where !== 'function') return '`where` must be a function';
  if (group !== undefined && (typeof group !== 'string' || (group !== '' && !GROUP.test(group))))
    return `${JSON.stringify(group)} is not an API group`;
  if (version !== undefined && (typeof version !== 'string' || !VERSION.test(version)))
    return `${JSON.stringify(version)} is not an API version`;
  return undefined;
}

/** Events of either API: handling produces them, so `everything` and predicates never select them. */
function isEvents(resource: Pick<ResourceInfo, 'group' | 'plural'>): boolean {
  return resource.plural === 'events' && (resource.group === '' || resource.group === 'events.k8s.io');
}

/**
 * Whether a query selects a resource (`preferred`: the resource is of its group's preferred version).
 * Kopf's `Selector.check()` for non-specific selectors; unlike names, a query's matches are never
 * ambiguous and the core group does not hide other groups.
 */
export function queryMatches(query: ResourceQuery, resource: ResourceInfo, preferred: boolean): boolean {
  const { category, where, group, version } = query;
  return (
    (group === undefined || group === resource.group) &&
    (version === undefined ? preferred || where !== undefined : version === resource.version) &&
    (category === undefined || (resource.categories ?? []).includes(category)) &&
    (query.everything === undefined || !isEvents(resource)) &&
    (where === undefined || (!isEvents(resource) && where(resource)))
  );
}
