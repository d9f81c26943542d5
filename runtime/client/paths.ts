/** URL paths of the Kubernetes API for a resource (pure string building, no I/O). */
import type { ResourceInfo } from '../../common/resources.ts';

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(resource: Pick<ResourceInfo, 'group' | 'version'>): string {
  return resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
}

/**
 * The collection path of a resource (`namespace` ignored for cluster-scoped resources, and meaning
 * "all namespaces" when undefined), or an object's path when `name` is given, plus a subresource.
 */
export function resourcePath(
  resource: ResourceInfo,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  let path = groupVersionPath(resource);
  if (resource.namespaced && namespace !== undefined) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** Append a query string (undefined values are skipped). */
export function withQuery(path: string, query: Record<string, string | undefined> | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.append(key, value);
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/**
 * The `Accept` header asking for metadata only: the API server answers with `PartialObjectMetadata`
 * (`…List` for lists), for custom resources too. Items keep `metadata`; their `kind` says
 * `PartialObjectMetadata`.
 */
export function metadataOnlyAccept(list: boolean): string {
  return `application/json;as=PartialObjectMetadata${list ? 'List' : ''};g=meta.k8s.io;v=v1`;
}
