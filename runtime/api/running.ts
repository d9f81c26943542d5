/**
 * `kopf.run()`: embed an operator in your own program. Like `kopf.operator()`, but it also stops
 * gracefully on SIGINT/SIGTERM (the way `kopf run` does), so a script can simply await it.
 *
 * @example
 * ```ts
 * import * as kopf from 'kopf-ts';
 * import './handlers.ts';
 * await kopf.run({ namespaces: ['default'] });
 * ```
 */
import { operator, type OperatorOptions } from './operator.ts';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Run an operator until SIGINT/SIGTERM (or `options.signal`) stops it. */
export async function run(options: OperatorOptions = {}): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    await operator({ ...options, signal });
  } finally {
    for (const name of STOP_SIGNALS) process.off(name, onSignal);
  }
}
