/**
 * Live views of an object for long-running tasks (daemons): `body`, `spec`, `status`, ... always
 * show the latest state the watch delivered, even when captured once at the task's start.
 */

/** A read-only object whose properties are those of whatever `current()` returns now. */
export function liveView<T extends object>(current: () => T | undefined): T {
  const now = () => (current() ?? {}) as Record<PropertyKey, unknown>;
  return new Proxy({} as T, {
    get: (_target, key) => now()[key],
    has: (_target, key) => key in now(),
    ownKeys: () => Reflect.ownKeys(now()),
    getOwnPropertyDescriptor: (_target, key) => {
      const source = now();
      if (!Object.prototype.hasOwnProperty.call(source, key)) return undefined;
      return { value: source[key], writable: false, enumerable: true, configurable: true };
    },
    set: () => false,
    deleteProperty: () => false,
  });
}
