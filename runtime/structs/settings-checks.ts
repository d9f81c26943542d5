/**
 * The values of the operator settings, checked once at start (after the startup handlers, which may
 * change them, and before connecting). A bad value would otherwise be used silently (a misspelt
 * storage falls back to annotations) or surface only while handling objects (a hot retry loop for a
 * negative backoff, timers of NaN seconds, no worker ever for `workerLimit: 0`). The settings are
 * typed, but JavaScript users, YAML-fed values and `as` casts get past the types.
 *
 * Permissive where Kopf is: empty lists (`errorBackoffs: []` is "no retries"), any finite priority,
 * 0 for the timeouts that 0 disables. Booleans are not checked (any truthiness works, as in Python).
 */
import { defaultSettings, LIFECYCLE_NAMES, type OperatorSettings } from './settings.ts';
import {
  describeValue,
  isFiniteNumber,
  NON_EMPTY_TEXT,
  SECONDS,
  SECONDS_POSITIVE,
  type Rule,
} from './value-rules.ts';

type GroupRules<G> = { readonly [F in keyof G]?: Rule };

const isWhole = (value: unknown): value is number => Number.isSafeInteger(value);
const optional = ([check, allowed]: Rule): Rule => [
  (v) => v === undefined || check(v),
  `${allowed}, or undefined`,
];
const oneOf = (...names: readonly string[]): Rule => [
  (v) => typeof v === 'string' && names.includes(v),
  names.map((name) => `'${name}'`).join(', '),
];
const listOf = ([check, allowed]: Rule): Rule => [
  (v) => Array.isArray(v) && v.every(check),
  `a list of (${allowed})`,
];

const ANY_TEXT: Rule = [(v) => typeof v === 'string', 'a string'];
const STORAGE = oneOf('annotations', 'status');
const FIELD_PATH: Rule = [
  (v) => NON_EMPTY_TEXT[0](v) || (Array.isArray(v) && v.length > 0 && v.every(NON_EMPTY_TEXT[0])),
  "a dotted path like 'spec.data' or a list of keys",
];

/** Every setting with a constrained value, group by group; the rest (booleans, objects) are free. */
const RULES: { readonly [G in keyof OperatorSettings]: GroupRules<OperatorSettings[G]> } = {
  process: {
    ultimateExitingTimeout: optional(SECONDS),
    gracefulShutdownTimeout: SECONDS,
  },
  posting: {
    level: oneOf('debug', 'info', 'warning', 'error'),
    reportingComponent: ANY_TEXT,
    reportingInstance: ANY_TEXT,
    eventNamePrefix: ANY_TEXT,
  },
  peering: {
    name: NON_EMPTY_TEXT,
    priority: [isFiniteNumber, 'a finite number'],
    lifetime: SECONDS_POSITIVE,
  },
  scaling: {
    leaseName: optional(NON_EMPTY_TEXT),
    leaseNamespace: optional(NON_EMPTY_TEXT),
    leaseDuration: SECONDS_POSITIVE,
    renewDeadline: SECONDS_POSITIVE,
    retryPeriod: SECONDS_POSITIVE,
    virtualNodes: [(v) => isWhole(v) && v >= 1, 'a whole number ≥ 1'],
    shardLeaseDuration: SECONDS_POSITIVE,
  },
  watching: {
    serverTimeout: optional(SECONDS),
    clientTimeout: optional(SECONDS_POSITIVE),
    connectTimeout: optional(SECONDS_POSITIVE),
    reconnectBackoff: SECONDS,
    reconnectBackoffMax: SECONDS,
    inactivityTimeout: [SECONDS[0], 'a number of seconds ≥ 0 (0 disables it)'],
    listPageSize: [(v) => isWhole(v) && v >= 0, 'a whole number ≥ 0 (0 lists all at once)'],
  },
  queueing: {
    workerLimit: optional([(v) => isWhole(v) && v >= 1, 'a whole number ≥ 1']),
    idleTimeout: SECONDS,
    errorDelays: listOf(SECONDS),
  },
  scanning: {},
  execution: {
    defaultBackoff: SECONDS,
    lifecycle: [
      (v) => typeof v === 'function' || oneOf(...LIFECYCLE_NAMES)[0](v),
      `${oneOf(...LIFECYCLE_NAMES)[1]} or a function`,
    ],
  },
  networking: {
    requestTimeout: SECONDS_POSITIVE,
    connectTimeout: optional(SECONDS_POSITIVE),
    errorBackoffs: listOf(SECONDS),
  },
  persistence: {
    finalizer: NON_EMPTY_TEXT,
    annotationsPrefix: NON_EMPTY_TEXT,
    progressStorage: oneOf('annotations', 'status', 'smart'),
    diffbaseStorage: [
      (v) => STORAGE[0](v) || (Array.isArray(v) && v.length > 0 && v.every(STORAGE[0])),
      `${STORAGE[1]}, or a non-empty list of them`,
    ],
    diffbaseKey: NON_EMPTY_TEXT,
    diffbaseIgnoredFields: listOf(FIELD_PATH),
    consistencyTimeout: SECONDS,
  },
  background: {
    cancellationPolling: SECONDS_POSITIVE,
  },
  admission: {
    managed: optional(NON_EMPTY_TEXT),
  },
};

/**
 * Everything wrong with the settings, one line each: `settings.<group>.<field> is <value>: <allowed>`.
 * Unknown groups and fields (typos such as `persistance` or `progresStorage`) are problems too.
 */
export function settingsProblems(settings: OperatorSettings): string[] {
  const known = defaultSettings();
  const isGroup = (name: string): name is keyof OperatorSettings => Object.hasOwn(known, name);
  const problems: string[] = [];
  const groups: Array<[string, unknown]> = Object.entries(settings);
  for (const [group, values] of groups) {
    if (!isGroup(group)) {
      problems.push(
        `settings.${group} is ${describeValue(values)}: not a settings group (${listKeys(known)})`,
      );
      continue;
    }
    if (typeof values !== 'object' || values === null) {
      problems.push(
        `settings.${group} is ${describeValue(values)}: must be an object (${listKeys(known[group])})`,
      );
      continue;
    }
    const given = new Map<string, unknown>(Object.entries(values));
    for (const [field, value] of given) {
      if (!Object.hasOwn(known[group], field)) {
        problems.push(
          `settings.${group}.${field} is ${describeValue(value)}: not a setting (settings.${group} has ${listKeys(known[group])})`,
        );
      }
    }
    for (const [field, rule] of Object.entries<Rule | undefined>(RULES[group])) {
      const problem = settingProblem(group, field, given.get(field), rule);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

/** Why `settings.execution.lifecycle` is not a lifecycle (`undefined` if it is one). */
export function lifecycleProblem(value: unknown): string | undefined {
  return settingProblem('execution', 'lifecycle', value, RULES.execution.lifecycle);
}

/** Bad settings at start: the message lists every problem, so the stack adds nothing for the user. */
export class SettingsError extends TypeError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`The operator settings are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

/** One operator-start error listing every problem; `undefined` if the settings are fine. */
export function settingsError(settings: OperatorSettings): SettingsError | undefined {
  const problems = settingsProblems(settings);
  return problems.length ? new SettingsError(problems) : undefined;
}

function settingProblem(
  group: string,
  field: string,
  value: unknown,
  rule: Rule | undefined,
): string | undefined {
  if (!rule || rule[0](value)) return undefined;
  return `settings.${group}.${field} is ${describeValue(value)}: must be ${rule[1]}`;
}

function listKeys(object: object): string {
  return Object.keys(object).join(', ');
}
