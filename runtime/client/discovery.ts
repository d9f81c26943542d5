/**
 * Resource discovery: turn what a user names (a typed descriptor, or a string like `'pods'`,
 * `'deployments.apps'`, `'kopfexamples.kopf.dev'`, `'kopfexamples.v1.kopf.dev'`; the grammar is
 * common/selectors.ts) into a full {@link ResourceInfo}, using the API's discovery endpoints
 * (`/api`, `/api/v1`, `/apis`, `/apis/<g>/<v>`).
 */
import {
  apiVersionOf,
  versionedName,
  type ResourceInfo,
  type ResourceQuery,
  type ResourceSelector,
} from '../../common/resources.ts';
import {
  queryMatches,
  readSelector,
  selectResources,
  selectsGroupVersion,
  SelectorError,
} from '../../common/selectors.ts';
import { isApiError } from './errors.ts';
import { groupVersionPath } from './paths.ts';
import type { ApiClient, RequestOptions } from './types.ts';

export type { ResourceSelector };

/** The selector matched nothing, or several resources of different groups. */
export class ResourceResolutionError extends Error {
  readonly selector: string;
  constructor(selector: string, message: string) {
    super(message);
    this.name = 'ResourceResolutionError';
    this.selector = selector;
  }
}

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
}

interface GroupVersion {
  group: string;
  version: string;
  preferred: boolean;
}

/** Resolve one selector (see {@link resolveResources} for several, with one discovery pass). */
export async function resolveResource(
  client: ApiClient,
  selector: ResourceSelector,
  options: RequestOptions = {},
): Promise<ResourceInfo> {
  const [resolved] = await resolveResources(client, [selector], options);
  return resolved!;
}

/**
 * Resolve selectors into full descriptors. A descriptor is checked to exist and gets `subresources`
 * (and `singular`/`shortNames`) filled from discovery; an unversioned string gets the group's
 * preferred version; a core-group match hides same-named resources of other groups (`events`).
 * Throws {@link ResourceResolutionError} naming the selector when nothing or more than one matches.
 */
export async function resolveResources(
  client: ApiClient,
  selectors: readonly ResourceSelector[],
  options: RequestOptions = {},
): Promise<ResourceInfo[]> {
  const catalog = discoveryCatalog(client, options);
  const results: ResourceInfo[] = [];
  for (const selector of selectors) {
    results.push(
      typeof selector === 'string'
        ? await resolveString(catalog, selector)
        : await completeDescriptor(catalog, selector),
    );
  }
  return results;
}

/**
 * Every served resource a query selects (any number, none included), in discovery's order. Only the
 * group-versions the query can select are fetched: `{ group: 'kopf.dev', everything: true }` costs
 * one request per version of that group.
 */
export async function discoverResources(
  client: ApiClient,
  query: ResourceQuery,
  options: RequestOptions = {},
): Promise<ResourceInfo[]> {
  const catalog = discoveryCatalog(client, options);
  const selected: ResourceInfo[] = [];
  for (const gv of await catalog.groupVersions()) {
    if (query.group !== undefined && query.group !== gv.group) continue;
    if (query.version !== undefined && query.version !== gv.version) continue;
    const resources = await catalog.resources(gv.group, gv.version);
    for (const resource of resources) {
      if (resource.name.includes('/')) continue; // a subresource
      const info = toInfo(gv.group, gv.version, resource, resources);
      if (queryMatches(query, info, gv.preferred)) selected.push(info);
    }
  }
  return selected;
}

/** Lazily fetched, memoised discovery documents for one resolution pass. */
interface Catalog {
  groupVersions(): Promise<GroupVersion[]>;
  resources(group: string, version: string): Promise<ApiResource[]>;
}

function discoveryCatalog(client: ApiClient, options: RequestOptions): Catalog {
  let versions: Promise<GroupVersion[]> | undefined;
  const lists = new Map<string, Promise<ApiResource[]>>();
  return {
    groupVersions() {
      versions ??= (async () => {
        const [core, groups] = await Promise.all([
          client.request<{ versions?: string[] }>('GET', '/api', options),
          client.request<{
            groups?: Array<{
              name: string;
              versions: Array<{ version: string }>;
              preferredVersion?: { version: string };
            }>;
          }>('GET', '/apis', options),
        ]);
        const all: GroupVersion[] = (core.versions ?? []).map((version, index) => ({
          group: '',
          version,
          preferred: index === 0,
        }));
        for (const group of groups.groups ?? []) {
          const preferred = group.preferredVersion?.version ?? group.versions[0]?.version;
          for (const { version } of group.versions)
            all.push({ group: group.name, version, preferred: version === preferred });
        }
        return all;
      })();
      return versions;
    },
    resources(group, version) {
      const key = apiVersionOf({ group, version });
      let list = lists.get(key);
      if (!list) {
        list = client
          .request<{ resources?: ApiResource[] }>('GET', groupVersionPath({ group, version }), options)
          .then((answer) => answer.resources ?? [])
          .catch((error: unknown) => {
            if (isApiError(error, 404)) return []; // the group-version went away (e.g. a CRD was deleted)
            throw error;
          });
        lists.set(key, list);
      }
      return list;
    },
  };
}

function toInfo(group: string, version: string, resource: ApiResource, all: ApiResource[]): ResourceInfo {
  const has = (sub: string) => all.some((r) => r.name === `${resource.name}/${sub}`);
  return {
    group,
    version,
    plural: resource.name,
    kind: resource.kind,
    namespaced: resource.namespaced,
    subresources: { status: has('status'), scale: has('scale') },
    singular: resource.singularName || resource.kind.toLowerCase(),
    ...(resource.shortNames?.length ? { shortNames: resource.shortNames } : {}),
    ...(resource.categories?.length ? { categories: resource.categories } : {}),
    ...(resource.verbs ? { verbs: resource.verbs } : {}),
  };
}

async function completeDescriptor(catalog: Catalog, descriptor: ResourceInfo): Promise<ResourceInfo> {
  const resources = await catalog.resources(descriptor.group, descriptor.version);
  const found = resources.find((r) => r.name === descriptor.plural);
  if (!found) {
    const name = versionedName(descriptor);
    throw new ResourceResolutionError(
      name,
      `Resource ${name} is not served by the API server (is its CRD installed and established?)`,
    );
  }
  const discovered = toInfo(descriptor.group, descriptor.version, found, resources);
  return {
    ...discovered,
    ...descriptor,
    subresources: descriptor.subresources ?? discovered.subresources,
  };
}

async function resolveString(catalog: Catalog, selector: string): Promise<ResourceInfo> {
  // A malformed selector resolves to nothing, like a misspelt one: the operator reports it and goes on.
  const spec = readSelector(selector);
  if (spec instanceof SelectorError) throw new ResourceResolutionError(selector, spec.message);
  const groupVersions = (await catalog.groupVersions()).filter((gv) =>
    selectsGroupVersion(spec, gv, gv.preferred),
  );
  const served: ResourceInfo[] = [];
  for (const gv of groupVersions) {
    const resources = await catalog.resources(gv.group, gv.version);
    for (const resource of resources) {
      // Subresources (`pods/status`) are listed as resources of their own: not selectable.
      if (!resource.name.includes('/')) served.push(toInfo(gv.group, gv.version, resource, resources));
    }
  }
  const chosen = selectResources(spec, served);
  if (chosen.length === 0) {
    throw new ResourceResolutionError(
      selector,
      `Resource '${selector}' is not served by the API server (unresolved; create its CRD, or check the spelling).`,
    );
  }
  if (chosen.length > 1) {
    const names = chosen.map(versionedName).join(', ');
    throw new ResourceResolutionError(
      selector,
      `Resource '${selector}' is ambiguous: it matches ${names}; add the group.`,
    );
  }
  return chosen[0]!;
}
