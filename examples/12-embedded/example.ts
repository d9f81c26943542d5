/**
 * 12-embedded: an operator embedded in an application of its own — `kopf.operator()` started and
 * stopped by the program (here: until SIGTERM/SIGINT), with an operator `memo` that every object's
 * handlers see. Run it directly, not with `kopf run`:
 *
 *   node examples/12-embedded/example.ts [namespace]
 */
import * as kopf from 'kopf-ts';
import { kopfExamples } from '../_generated/kopf.dev/kopfexample.ts';

kopf.on.create(kopfExamples, function createFn({ memo, name, logger }) {
  const template = String(memo['createTemplate']);
  logger.info(template.replace('{name}', name));
});

/** The application: start the operator, wait until asked to stop, then stop it and wait for it. */
async function main(): Promise<void> {
  const namespace = process.argv[2];
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  kopf.configureLogging({ level: 'debug' });
  console.error('Starting the main app.');
  await kopf.operator({
    ...(namespace ? { namespaces: [namespace] } : { clusterwide: true }),
    standalone: true,
    memo: { createTemplate: 'Hello, {name}!' },
    signal: stop.signal,
  });
  console.error('Exiting the main app.');
}

if (import.meta.main) await main();

// Marks for the e2e test: run this file itself (with the namespace as its argument).
export const E2E_RUN_DIRECTLY = true;
export const E2E_CREATION_STOP_WORDS = ['Hello, kopf-example-1!'];
export const E2E_CLEANUP_STOP_WORDS = ['Exiting the main app.'];
export const E2E_SUCCESS_COUNTS = { createFn: 1 };
