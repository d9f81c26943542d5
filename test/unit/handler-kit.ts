/** Handler declarations for unit tests, so that each test spells out only what it is about. */
import type { ResourceInfo } from '../../common/resources.ts';
import type { ChangingHandler } from '../../runtime/processing/handlers.ts';

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
