/**
 * 04-events: posting Kubernetes Events about an object explicitly — of any type, `Normal`
 * (`kopf.info`), `Warning` (`kopf.warn`), or about an error (`kopf.exception`). See them with
 * `kubectl describe kopfexample kopf-example-1`.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.create(kopfExamples, function createFn({ body }) {
  // Some events for the object itself.
  kopf.event(body, { type: 'SomeType', reason: 'SomeReason', message: 'Some message' });
  kopf.info(body, { reason: 'SomeReason', message: 'Some message' });
  kopf.warn(body, { reason: 'SomeReason', message: 'Some message' });
  try {
    throw new Error('Exception text.');
  } catch (error) {
    kopf.exception(body, { reason: 'SomeReason', message: 'Some exception:', error });
  }
});

export const E2E_SUCCESS_COUNTS = { createFn: 1 };
/** Event types the e2e test expects to find about the object, with reason `SomeReason`. */
export const E2E_EVENT_TYPES = ['SomeType', 'Normal', 'Warning', 'Error'];
