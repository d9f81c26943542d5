/**
 * Logging for the operator and its handlers. One sink per process (configured by `kopf run` flags:
 * level and format), many named loggers with context (the object a line is about).
 */
import { describeError } from './errors.ts';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'plain' | 'full' | 'json';

/** A log record as it reaches the sink (and, for per-object loggers, possibly the Events poster). */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  /** Logger name, e.g. `kopf.objects`, `kopf.reactor`. */
  name: string;
  message: string;
  /** The object the record is about, shown as a `[namespace/name]` prefix. */
  object?: { namespace?: string | undefined; name?: string | undefined };
  /** Extra structured fields (JSON format only). */
  extra?: Record<string, unknown>;
}

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warning(message: string, extra?: Record<string, unknown>): void;
  /** Alias of `warning`, as in most JS loggers. */
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  /** Log an error with its stack trace. */
  exception(message: string, error: unknown, extra?: Record<string, unknown>): void;
}

export type LogListener = (record: LogRecord) => void;

const ranks: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

interface SinkConfig {
  level: LogLevel;
  format: LogFormat;
  prefix: boolean;
  write: (line: string) => void;
}

const sink: SinkConfig = {
  level: 'info',
  format: 'full',
  prefix: true,
  write: (line) => process.stderr.write(line + '\n'),
};
const listeners = new Set<LogListener>();

/** Configure the process-wide sink (`kopf run -v/-q/--log-format`). */
export function configureLogging(options: Partial<SinkConfig>): void {
  Object.assign(sink, options);
}

/** Observe every record at any level (the test kit captures lines; the poster turns them into Events). */
export function addLogListener(listener: LogListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isEnabledFor(level: LogLevel): boolean {
  return ranks[level] >= ranks[sink.level];
}

export function levelRank(level: LogLevel): number {
  return ranks[level];
}

export function formatRecord(
  record: LogRecord,
  format: LogFormat = sink.format,
  prefix = sink.prefix,
): string {
  const ref = record.object?.name
    ? `[${record.object.namespace ? `${record.object.namespace}/` : ''}${record.object.name}] `
    : '';
  if (format === 'json') {
    return JSON.stringify({
      timestamp: record.time.toISOString(),
      severity: record.level === 'warning' ? 'warn' : record.level,
      logger: record.name,
      message: record.message,
      ...(record.object?.name ? { object: record.object } : {}),
      ...record.extra,
    });
  }
  const text = `${prefix ? ref : ''}${record.message}`;
  if (format === 'plain') return text;
  const level = record.level.toUpperCase().padEnd(8).slice(0, 8);
  return `[${record.time.toISOString()}] ${record.name.padEnd(20).slice(0, 20)} [${level}] ${text}`;
}

function emit(record: LogRecord): void {
  for (const listener of listeners) listener(record);
  if (isEnabledFor(record.level)) sink.write(formatRecord(record));
}

/** A named logger; `object` adds the `[namespace/name]` context to every line. */
export function getLogger(name: string, object?: LogRecord['object']): Logger {
  const log = (level: LogLevel) => (message: string, extra?: Record<string, unknown>) => {
    // Most lines are debug lines nobody reads: no record (and no clock read) for them.
    if (listeners.size === 0 && !isEnabledFor(level)) return;
    emit({
      time: new Date(),
      level,
      name,
      message,
      ...(object ? { object } : {}),
      ...(extra ? { extra } : {}),
    });
  };
  const warning = log('warning');
  return {
    debug: log('debug'),
    info: log('info'),
    warning,
    warn: warning,
    error: log('error'),
    exception: (message, error, extra) => {
      const detail =
        error instanceof Error ? (error.stack ?? describeError(error, { name: true })) : describeError(error);
      log('error')(`${message}\n${detail}`, extra);
    },
  };
}
