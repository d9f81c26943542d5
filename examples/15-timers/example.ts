/**
 * 15-timers: a function invoked periodically for every object — every `interval` seconds, but only
 * once the object has had no essential change for `idle` seconds.
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.timer(
  kopfExamples,
  function exampleTimer({ body, logger }) {
    logger.info(`Timer is invoked: ${JSON.stringify(body.spec)}`);
  },
  { idle: 2, interval: 1 },
);

// Marks for the e2e test: a timer has no "processed" line; wait for two invocations and its stop.
export const E2E_CREATION_STOP_WORDS = ['Timer is invoked', "Timer 'exampleTimer' succeeded."];
export const E2E_DELETION_STOP_WORDS = ["Stopping timer 'exampleTimer'"];
