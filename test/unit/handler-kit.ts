/** Handler declarations for unit tests, so that each test spells out only what it is about. */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ChangingHandler, FilterKwargs } from '../../runtime/processing/handlers.ts';
import { asFilterKwargs, newHandlerPatch, resourceKwargs } from '../../runtime/processing/kwargs.ts';
import { objectLogger } from '../../runtime/processing/loggers.ts';
import type { KubernetesObject } from '../../runtime/structs/bodies.ts';
import { defaultSettings } from '../../runtime/structs/settings.ts';

/** The example resource (`crds/kopfexamples.yaml`), as the unit tests' handlers and streams serve it. */
export const KOPF_EXAMPLES: ResourceInfo = {
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
};

/** A change handler as registration makes it: a create handler without filters or limits, overridable. */
export function changeHandler(options: Partial<ChangingHandler> = {}): ChangingHandler {
  return {
    id: 'fn',
    fn: () => undefined,
    selector: 'x',
    reason: 'create',
    requiresChange: false,
    initial: false,
    deleted: false,
    errors: undefined,
    retries: undefined,
    timeout: undefined,
    backoff: undefined,
    requiresFinalizer: false,
    param: undefined,
    ...options,
  };
}

/** The arguments handlers and filters get for an object (no cause: empty diff, no old/new). */
export function objectArgs(body: KubernetesObject = { metadata: { name: 'obj' } }): FilterKwargs {
  return asFilterKwargs(
    resourceKwargs({
      body,
      patch: newHandlerPatch(),
      logger: objectLogger(body, defaultSettings()),
      memo: {},
      resource: KOPF_EXAMPLES,
      signal: new AbortController().signal,
    }),
  );
}
