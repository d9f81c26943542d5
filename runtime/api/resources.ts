/**
 * Typed resource descriptors: `kopf.resource<Spec, Status>({...})`, as kopf-gen emits them. The type
 * parameters travel with the descriptor into every handler registered on it, so `spec`, `status`,
 * `patch`, `old`, `new` and `body` are typed from the CRD.
 */
import type { ResourceInfo, ResourceQuery } from '../../common/resources.ts';

export type { ResourceQuery };

/** A resource descriptor carrying the spec and status types of its objects (phantom types). */
export interface Resource<
  Spec = Record<string, unknown>,
  Status = Record<string, unknown>,
> extends ResourceInfo {
  /** Type-only marker; never set at run time. */
  readonly __types?: { spec: Spec; status: Status };
}

/** Describe a resource, with the types of its objects' spec and status. */
export function resource<Spec = Record<string, unknown>, Status = Record<string, unknown>>(
  info: ResourceInfo,
): Resource<Spec, Status> {
  return Object.freeze({ ...info });
}

/**
 * Every served resource (Kopf's `kopf.EVERYTHING`), except Events; narrow it with a group:
 * `{ ...kopf.EVERYTHING, group: 'kopf.dev' }`.
 */
export const EVERYTHING: ResourceQuery = Object.freeze({ everything: true });
