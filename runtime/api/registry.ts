/**
 * The default registry. It lives on `globalThis` under a well-known symbol, so that a user's module
 * importing the built package (`dist/`) and the CLI running from source (or two copies of the
 * package) register into and serve the same registry.
 */
import { Registry } from '../processing/handlers.ts';

const KEY = Symbol.for('kopf-ts.registry');

/** The registry `kopf.on.*` uses when no `registry` option is given. */
export function defaultRegistry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  holder[KEY] ??= new Registry();
  return holder[KEY];
}

export { Registry };
