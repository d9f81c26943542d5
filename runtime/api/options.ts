/**
 * The values of handler options, checked at registration for every kind of handler. A bad value
 * would otherwise surface only while handling objects, as a hot retry loop (`backoff: -5`), "try
 * again in NaN seconds", or a handler that never runs (`retries: -1`). Registration happens when the
 * handler files load, so `kopf run` exits 1 with the handler's id and the option before it connects.
 */
import {
  describeValue,
  NON_EMPTY_TEXT,
  SECONDS,
  SECONDS_POSITIVE,
  type Rule,
} from '../structs/value-rules.ts';

/** A bad option value: the message names the handler and the option. */
export class HandlerOptionError extends TypeError {
  constructor(kind: string, id: string, option: string, allowed: string, value: unknown) {
    super(
      `The ${kind} handler '${id}': option \`${option}\` must be ${allowed}, not ${describeValue(value)}.`,
    );
    this.name = 'HandlerOptionError';
  }
}

const SECONDS_OR_CALLABLE: Rule = [
  (v) => typeof v === 'function' || SECONDS[0](v),
  'a number of seconds ≥ 0 or a function returning one',
];
const BOOLEAN: Rule = [(v) => typeof v === 'boolean', 'true or false'];

/** Every option with a constrained value, whichever kinds of handlers take it. */
const RULES: Readonly<Record<string, Rule>> = {
  id: NON_EMPTY_TEXT,
  errors: [
    (v) => v === 'temporary' || v === 'permanent' || v === 'ignored',
    "'temporary', 'permanent' or 'ignored'",
  ],
  // Attempts, counted from the first: `retries: 0` (or less) would never run the handler at all.
  retries: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a whole number of attempts ≥ 1'],
  timeout: SECONDS_POSITIVE,
  backoff: SECONDS,
  interval: SECONDS_POSITIVE,
  idle: SECONDS,
  initialDelay: SECONDS_OR_CALLABLE,
  cancellationBackoff: SECONDS,
  cancellationTimeout: SECONDS,
  cancellationPolling: SECONDS_POSITIVE,
  sharp: BOOLEAN,
  optional: BOOLEAN,
  deleted: BOOLEAN,
  // Admission webhooks (`timeout` also has the API server's limit of 30 s, checked by them).
  persistent: BOOLEAN,
  sideEffects: BOOLEAN,
  ignoreFailures: BOOLEAN,
};

/**
 * Throws {@link HandlerOptionError} for the first option whose value breaks its rule. Absent
 * (`undefined`) options take their defaults and are not checked.
 */
export function validateOptions(kind: string, id: string, options: object): void {
  for (const [option, value] of Object.entries(options)) {
    const rule = RULES[option];
    if (!rule || value === undefined) continue;
    const [check, text] = rule;
    if (!check(value)) throw new HandlerOptionError(kind, id, option, text, value);
  }
}
