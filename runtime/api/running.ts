/**
 * `kopf.run()`: embed an operator in your own program. Like `kopf.operator()`, but it also stops on
 * SIGINT/SIGTERM exactly as `kopf run` does (gracefully on the first signal, at once on the second,
 * forcefully after `settings.process.ultimateExitingTimeout`), so a script can simply await it.
 *
 * @example
 * ```ts
 * import * as kopf from 'kopf-ts';
 * import './handlers.ts';
 * await kopf.run({ namespaces: ['default'] });
 * ```
 */
import type { OperatorOptions } from '../reactor/running.ts';
import { runUntilSignalled } from '../reactor/signals.ts';

/** Run an operator until SIGINT/SIGTERM (or `options.signal`) stops it. */
export async function run(options: OperatorOptions = {}): Promise<void> {
  const end = await runUntilSignalled(options);
  if (end.failed) throw end.error;
}
