/**
 * `kopf.operator()`: run the handlers of a registry until a signal aborts. Runs the startup handlers,
 * logs in (login handlers, else the kubeconfig), serves every resource the handlers name (CRDs
 * appearing or disappearing later start or stop their resources' serving). On abort it stops taking
 * events, lets running handlers finish (up to `settings.process.gracefulShutdownTimeout`), persists
 * their outcome, runs the cleanup handlers, and resolves. The engine is in `runtime/reactor/`.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * const running = kopf.operator({ namespaces: ['default'], signal: stop.signal });
 * // ... later:
 * stop.abort();
 * await running;
 * ```
 */
import { runOperator, type OperatorOptions } from '../reactor/running.ts';

export type { OperatorOptions };

/**
 * Run an operator until `signal` aborts. Rejects only for start-up problems (e.g. a startup or login
 * handler failing permanently).
 */
export function operator(options: OperatorOptions = {}): Promise<void> {
  return runOperator(options);
}
