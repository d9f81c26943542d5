/**
 * 08-events: raw watch-event handlers. They see every event (ADDED, MODIFIED, DELETED) of every
 * object, keep no state, and are never retried: a failing one is logged and ignored.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.event(kopfExamples, function eventFnWithError() {
  throw new Error('Plain error.');
});

kopf.on.event(kopfExamples, function normalEventFn({ event, logger }) {
  logger.info(`Event received: ${event.type} ${event.object.metadata?.name ?? ''}`);
});

// Marks for the e2e test: no handler has a finalizer or a status, so wait for the events directly.
// The first event is ADDED, or `null` if the object was already there when the operator listed.
export const E2E_ALLOW_TRACEBACKS = true;
export const E2E_CREATION_STOP_WORDS = ["Handler 'normalEventFn' succeeded."];
export const E2E_DELETION_STOP_WORDS = ['Event received: DELETED'];
export const E2E_SUCCESS_COUNTS = { normalEventFn: 2 };
