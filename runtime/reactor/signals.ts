/**
 * The one stop path of `kopf run` and `kopf.run()`: the first SIGTERM/SIGINT asks the operator to stop
 * gracefully (via an AbortSignal); a second one exits at once; if the graceful stop hangs, the process
 * exits after `settings.process.ultimateExitingTimeout` — read when the signal arrives, so that a
 * value set by a startup handler counts.
 */
import { getLogger } from '../structs/logging.ts';
import { makeSettings } from '../structs/settings.ts';
import { runWithSettings, type OperatorOptions } from './running.ts';

export interface StopSignals {
  /** Aborted on the first SIGTERM/SIGINT (its reason names the signal). */
  signal: AbortSignal;
  /** Stop listening (after a normal exit). */
  dispose(): void;
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Install the handlers. `ultimateTimeout()` (seconds; undefined = never) bounds a hung shutdown. */
export function handleStopSignals(ultimateTimeout: () => number | undefined): StopSignals {
  const logger = getLogger('kopf.reactor');
  const controller = new AbortController();
  let hardExit: NodeJS.Timeout | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warning(`${name} received again: exiting immediately.`);
      process.exit(name === 'SIGINT' ? 130 : 143);
    }
    logger.info(`Signal ${name} is received. Operator is stopping.`);
    controller.abort(new Error(`stopped by ${name}`));
    const timeout = ultimateTimeout();
    if (timeout !== undefined) {
      hardExit = setTimeout(() => {
        logger.error(`The operator did not stop within ${timeout} s; exiting forcefully.`);
        process.exit(1);
      }, timeout * 1000);
      hardExit.unref();
    }
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(hardExit);
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}

/** How a signalled run ended: stopped by a signal or not, and the operator's failure if it failed. */
export type SignalledEnd = { signalled: boolean } & ({ failed: false } | { failed: true; error: unknown });

/**
 * Run an operator until SIGINT/SIGTERM (or `options.signal`) stops it. Never rejects: the end says
 * whether a signal stopped it (the CLI then makes sure the process ends) and how the operator failed.
 */
export async function runUntilSignalled(options: OperatorOptions): Promise<SignalledEnd> {
  const settings = makeSettings(options.settings);
  const stop = handleStopSignals(() => settings.process.ultimateExitingTimeout);
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    await runWithSettings({ ...options, signal }, settings);
    return { signalled: stop.signal.aborted, failed: false };
  } catch (error) {
    return { signalled: stop.signal.aborted, failed: true, error };
  } finally {
    stop.dispose();
  }
}
