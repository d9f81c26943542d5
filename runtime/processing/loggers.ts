/** Per-object loggers: `[namespace/name]` context, and (with `settings.posting.loggers`) Events. */
import { describeError } from '../structs/errors.ts';
import type { KubernetesObject } from '../structs/bodies.ts';
import { getLogger, type Logger, type LogLevel } from '../structs/logging.ts';
import type { OperatorSettings } from '../structs/settings.ts';
import { eventTypeOf, isPostable, postEvent } from './posting.ts';

export function objectLogger(body: KubernetesObject, settings: OperatorSettings): Logger {
  const base = getLogger('kopf.objects', { namespace: body.metadata?.namespace, name: body.metadata?.name });
  const post = (level: LogLevel, message: string) => {
    if (settings.posting.loggers && isPostable(level, settings)) {
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
      post('error', `${message} ${describeError(error)}`);
    },
  };
}
