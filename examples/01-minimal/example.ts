/**
 * 01-minimal: the smallest operator. A creation handler logs the spec; its result is stored in
 * `status.createFn`.
 *
 *   kopf run --standalone -n default examples/01-minimal/example.ts
 *   kubectl apply -f examples/obj.yaml
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.create(kopfExamples, function createFn({ spec, logger }) {
  logger.info(`And here we are! Creating: ${JSON.stringify(spec)}`);
  return { message: 'hello world' }; // will be the new status
});

/** What the e2e test expects (test/e2e/examples-kit.ts): handler id → successes per object lifecycle. */
export const E2E_SUCCESS_COUNTS = { createFn: 1 };
