/**
 * The one way both the generator and the runtime turn a caught throwable into text for a log line or a
 * one-line message.
 */
import { inspect } from 'node:util';

/**
 * A caught throwable as text for a log line or a message. Errors give their message (or their name if
 * the message is empty; with `name`, `Name: message`). JavaScript can throw anything: a string is
 * shown as is, a plain object or array as JSON, a class instance in its inspected form, which starts
 * with the class name — never `[object Object]`.
 */
export function describeError(error: unknown, options: { name?: boolean } = {}): string {
  if (error instanceof Error) {
    if (options.name && error.message) return `${error.name}: ${error.message}`;
    return error.message || error.name;
  }
  if (typeof error === 'string') return error;
  if (typeof error === 'function') return `[function ${error.name || '(anonymous)'}]`;
  if (typeof error !== 'object' || error === null) return String(error);
  const prototype: unknown = Object.getPrototypeOf(error);
  if (prototype === Object.prototype || prototype === null || Array.isArray(error)) {
    try {
      const json = JSON.stringify(error);
      if (json !== undefined) return json;
    } catch {
      // Cycles or BigInts: the inspected form below still describes it.
    }
  }
  return inspect(error, { depth: 2, breakLength: Infinity });
}
