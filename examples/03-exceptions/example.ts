/**
 * 03-exceptions: how errors steer retries. A `PermanentError` fails a handler at once; a
 * `TemporaryError` retries after its `delay`; any other error is retried after `backoff` (at most
 * `retries` times), or fails at once with `errors: 'permanent'`.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

class MyError extends Error {
  override name = 'MyError';
}

kopf.on.create(kopfExamples, function instantFailureWithOnlyAMessage() {
  throw new kopf.PermanentError('Fail once and for all.');
});

kopf.on.create(kopfExamples, function eventualSuccessWithAFewMessages({ retry }) {
  if (retry < 3) {
    // 0, 1, 2 fail; 3 succeeds.
    throw new kopf.TemporaryError('Expected recoverable error.', { delay: 1 });
  }
});

kopf.on.create(
  kopfExamples,
  function eventualFailureWithTracebacks() {
    throw new MyError('An error that is supposed to be recoverable.');
  },
  { retries: 3, backoff: 1 },
);

kopf.on.create(
  kopfExamples,
  function instantFailureWithTraceback() {
    throw new MyError('An error that is supposed to be recoverable.');
  },
  { errors: 'permanent', backoff: 1 },
);

// Marks for the e2e test (test/e2e/examples-kit.ts):
export const E2E_ALLOW_TRACEBACKS = true;
export const E2E_SUCCESS_COUNTS = { eventualSuccessWithAFewMessages: 1 };
export const E2E_FAILURE_COUNTS = {
  eventualFailureWithTracebacks: 1,
  instantFailureWithTraceback: 1,
  instantFailureWithOnlyAMessage: 1,
};
