/** Per-object loggers: `[namespace/name]` context, and (with `settings.posting.loggers`) Events. */
import { describeError } from '../structs/errors.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { getLogger, type Logger, type LogLevel } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { eventTypeOf, isPostable, postEvent } from './posting.ts';

/**
 * The logger of one object. With `local`, it never posts Events (Kopf's `LocalObjectLogger`): for lines
 * that come with every event or every retry — event and index handlers, the throttling — which would
 * flood the object's Events.
 */
export function objectLogger(
  body: KubernetesObject,
  settings: OperatorSettings,
  options: { local?: boolean } = {},
): Logger {
  const base = getLogger('kopf.objects', { namespace: body.metadata?.namespace, name: body.metadata?.name });
  const post = (level: LogLevel, message: string) => {
    if (!options.local && settings.posting.loggers && isPostable(level, settings)) {
      postEvent({ object: body, type: eventTypeOf(level), reason: 'Logging', message, level });
    }
  };
  const wrap =
    (level: LogLevel, log: (message: string, extra?: Record<string, unknown>) => void) =>
    (message: string, extra?: Record<string, unknown>) => {
      log(message, extra);
      post(level, message);
    };
  const warning = wrap('warning', base.warning);
  return {
    debug: wrap('debug', base.debug),
    info: wrap('info', base.info),
    warning,
    warn: warning,
    error: wrap('error', base.error),
    exception(message, error, extra) {
      base.exception(message, error, extra);
      // As Kopf's poster formats the record: the line, then the traceback (the stack, here).
      const stack = error instanceof Error ? error.stack : undefined;
      post('error', stack ? `${message}\n${stack}` : `${message} ${describeError(error)}`);
    },
  };
}
