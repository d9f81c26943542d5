/**
 * Why a cycle's PATCH failed, when retrying soon cannot help: the operator lacks the permission
 * (403), or the API server refuses what we store (422: annotations too long, an invalid field; 413:
 * the request too large). Such a failure becomes a {@link PersistenceError} whose message names the
 * object, the cause and the fix, so it is logged as one line per backoff, not as a stack trace.
 */
import type { ResourceInfo } from '../../common/resources.ts';
import { isApiError } from '../client/errors.ts';
import { isPlainObject } from '../structs/dicts.ts';

/** A PATCH the API server refuses for a reason that does not pass by itself. */
export class PersistenceError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'PersistenceError';
  }
}

/** Where a refused PATCH went, and what it carried. */
export interface PatchTarget {
  resource: ResourceInfo;
  namespace: string | undefined;
  name: string;
  subresource?: 'status' | undefined;
  payload: unknown;
}

/** Kubernetes' limit for all annotations of an object together. */
const ANNOTATIONS_LIMIT = 256 * 1024;

/** The error to raise for a failed PATCH: a {@link PersistenceError} for permanent causes, else as is. */
export function explainPatchFailure(error: unknown, target: PatchTarget): unknown {
  if (!isApiError(error)) return error;
  const { resource, subresource } = target;
  const object = `${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
  const plural = `${resource.plural}${subresource ? `/${subresource}` : ''}`;
  const group = resource.group ? `in the API group '${resource.group}'` : 'in the core API group';
  if (error.status === 403) {
    return new PersistenceError(
      `Cannot store the handling state of ${resource.kind} ${object}: the operator may not 'patch' '${plural}' ${group} (403 Forbidden). Grant the verb 'patch' on '${plural}' to the operator's ServiceAccount (deploy/ of a generated project has the Role).`,
      { cause: error },
    );
  }
  if (error.status === 413 || (error.status === 422 && /too long|too large/i.test(error.message))) {
    return new PersistenceError(
      `Cannot store the handling state of ${resource.kind} ${object}: ${error.body?.message ?? error.message} (${error.status}).${sizeAdvice(target)}`,
      { cause: error },
    );
  }
  if (error.status === 422) {
    return new PersistenceError(
      `Cannot store the handling state of ${resource.kind} ${object}: the API server finds the patch invalid (422): ${error.body?.message ?? error.message}. Check the handlers' results and \`patch\` against the resource's schema.`,
      { cause: error },
    );
  }
  return error;
}

/** Which annotation of the patch is the biggest (the diff-base, mostly), and how to make it smaller. */
function sizeAdvice(target: PatchTarget): string {
  const payload = isPlainObject(target.payload) ? target.payload : {};
  const metadata = isPlainObject(payload.metadata) ? payload.metadata : {};
  const annotations = isPlainObject(metadata.annotations) ? metadata.annotations : {};
  const sizes = Object.entries(annotations)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([key, value]) => [key, Buffer.byteLength(key) + Buffer.byteLength(value)] as const)
    .sort((a, b) => b[1] - a[1]);
  const biggest = sizes[0];
  if (!biggest) return '';
  return ` The annotation '${biggest[0]}' alone is ${kilobytes(biggest[1])} (all annotations together may hold ${kilobytes(ANNOTATIONS_LIMIT)}). If it is the diff-base, leave big fields out of it with \`settings.persistence.diffbaseIgnoredFields\` (e.g. ['spec.data']; changes there then trigger no handlers), or keep it in the status, where the annotations' limit does not apply, with \`settings.persistence.diffbaseStorage = 'status'\`.`;
}

function kilobytes(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KB`;
}
