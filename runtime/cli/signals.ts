/**
 * Stop signals: the first SIGTERM/SIGINT asks the operator to stop gracefully (via an AbortSignal);
 * a second one exits at once; if the graceful stop hangs, the process exits after a hard timeout.
 */
import { getLogger } from '../structs/logging.ts';

export interface StopSignals {
  /** Aborted on the first SIGTERM/SIGINT (its reason names the signal). */
  signal: AbortSignal;
  /** Stop listening (after a normal exit). */
  dispose(): void;
}

/** Install the handlers. `ultimateTimeout` (seconds; undefined = never) bounds a hung shutdown. */
export function handleStopSignals(ultimateTimeout: number | undefined): StopSignals {
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
    if (ultimateTimeout !== undefined) {
      hardExit = setTimeout(() => {
        logger.error(`The operator did not stop within ${ultimateTimeout} s; exiting forcefully.`);
        process.exit(1);
      }, ultimateTimeout * 1000);
      hardExit.unref();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(hardExit);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
