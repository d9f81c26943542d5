/**
 * Resource discovery: turn what a user names (a typed descriptor, or a string like `'pods'`,
 * `'deployments.apps'`, `'kopfexamples.kopf.dev'`, `'kopfexamples.v1.kopf.dev'`) into a full
 * {@link ResourceInfo}, using the API's discovery endpoints (`/api`, `/api/v1`, `/apis`, `/apis/<g>/<v>`).
 */
import type { ResourceInfo } from '../../common/resources.ts';
import { isApiError } from './errors.ts';
import { groupVersionPath } from './paths.ts';
import type { ApiClient, RequestOptions } from './types.ts';

/** What users may pass wherever a resource is expected. */
export type ResourceSelector = ResourceInfo | string;

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
      const key = `${group}/${version}`;
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
  };
}

async function completeDescriptor(catalog: Catalog, descriptor: ResourceInfo): Promise<ResourceInfo> {
  const resources = await catalog.resources(descriptor.group, descriptor.version);
  const found = resources.find((r) => r.name === descriptor.plural);
  if (!found) {
    const name = `${descriptor.plural}.${descriptor.version}${descriptor.group ? `.${descriptor.group}` : ''}`;
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

/** Split `name[.version][.group]` into the candidate (name, version?, group?) readings. */
export function selectorReadings(
  selector: string,
): Array<{ name: string; version?: string; group?: string }> {
  const [name = '', ...rest] = selector.split('.');
  if (rest.length === 0) return [{ name }];
  const readings: Array<{ name: string; version?: string; group?: string }> = [
    { name, group: rest.join('.') },
  ];
  const [maybeVersion = '', ...group] = rest;
  if (/^v\d+((alpha|beta)\d+)?$/.test(maybeVersion))
    readings.push({ name, version: maybeVersion, group: group.join('.') });
  return readings;
}

async function resolveString(catalog: Catalog, selector: string): Promise<ResourceInfo> {
  const readings = selectorReadings(selector.trim());
  const groupVersions = await catalog.groupVersions();
  const candidates = groupVersions.filter((gv) =>
    readings.some((reading) =>
      reading.version !== undefined
        ? gv.group === reading.group && gv.version === reading.version
        : gv.preferred && (reading.group === undefined || gv.group === reading.group),
    ),
  );
  const matches: ResourceInfo[] = [];
  for (const gv of candidates) {
    const resources = await catalog.resources(gv.group, gv.version);
    const name = readings[0]!.name.toLowerCase();
    for (const resource of resources) {
      if (resource.name.includes('/')) continue; // subresources
      const names = [
        resource.name,
        resource.singularName,
        resource.kind.toLowerCase(),
        ...(resource.shortNames ?? []),
      ];
      if (names.includes(name)) matches.push(toInfo(gv.group, gv.version, resource, resources));
    }
  }
  const core = matches.filter((m) => m.group === '');
  const chosen = core.length > 0 ? core : matches;
  if (chosen.length === 0) {
    throw new ResourceResolutionError(
      selector,
      `Resource '${selector}' is not served by the API server (unresolved; create its CRD, or check the spelling).`,
    );
  }
  if (chosen.length > 1) {
    const names = chosen.map((m) => `${m.plural}.${m.version}${m.group ? `.${m.group}` : ''}`).join(', ');
    throw new ResourceResolutionError(
      selector,
      `Resource '${selector}' is ambiguous: it matches ${names}; add the group.`,
    );
  }
  return chosen[0]!;
}
