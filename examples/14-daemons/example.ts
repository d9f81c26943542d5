/**
 * 14-daemons: long-running tasks, one per object, for as long as it exists. Each fails a few times
 * first (a `TemporaryError` retries it after its delay) and records that in the status through
 * `patch`; then it pings until it is stopped — `stopped.wait()` returns early when the object is
 * deleted or the operator exits. The second one is given only a short time to exit when stopped.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.daemon(
  kopfExamples,
  async function backgroundAsync({ spec, logger, retry, patch, stopped }) {
    if (retry < 3) {
      patch.status['message'] = `Failed ${retry + 1} times.`;
      throw new kopf.TemporaryError('Simulated failure.', { delay: 1 });
    }
    while (!stopped.aborted) {
      logger.info(`=> Ping from an async daemon: field=${JSON.stringify(spec['field'])}`);
      await stopped.wait(5);
    }
  },
  { backoff: 3 },
);

kopf.daemon(
  kopfExamples,
  async function backgroundSync({ spec, logger, retry, patch, stopped }) {
    if (retry < 3) {
      patch.status['message'] = `Failed ${retry + 1} times.`;
      throw new kopf.TemporaryError('Simulated failure.', { delay: 1 });
    }
    while (!(await stopped.wait(5))) {
      logger.info(`=> Ping from a sync daemon: field=${JSON.stringify(spec['field'])}, retry=${retry}`);
    }
  },
  { cancellationBackoff: 1, cancellationTimeout: 0.5 },
);

// Marks for the e2e test: daemons have no "processed" line; wait for their pings and their stop.
export const E2E_CREATION_STOP_WORDS = ['=> Ping from an async daemon', '=> Ping from a sync daemon'];
// A daemon that returns after being stopped counts as succeeded, once.
export const E2E_SUCCESS_COUNTS = { backgroundAsync: 1, backgroundSync: 1 };
export const E2E_DELETION_STOP_WORDS = [
  "Stopping daemon 'backgroundAsync'",
  "Stopping daemon 'backgroundSync'",
];
