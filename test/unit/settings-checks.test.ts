/**
 * `settingsProblems()`: every constrained setting is checked, and a problem names the setting, the
 * value and what is allowed. The defaults and Kopf's permissive values pass.
 */
import { describe, expect, test } from 'vitest';
import { settingsProblems } from '../../runtime/structs/settings-checks.ts';
import { defaultSettings, makeSettings, type SettingsOverrides } from '../../runtime/structs/settings.ts';

/** The problems of the defaults with these overrides (bad values typed loosely, as JavaScript would). */
function problemsWith(overrides: Record<string, Record<string, unknown>>): string[] {
  return settingsProblems(makeSettings(overrides as SettingsOverrides));
}

test('the defaults have no problems', () => {
  expect(settingsProblems(defaultSettings())).toEqual([]);
});

test("Kopf's permissive values pass: empty retry lists, 0 where 0 disables, lists of storages", () => {
  const overrides = {
    networking: { errorBackoffs: [], connectTimeout: 1.5 },
    queueing: { errorDelays: [], workerLimit: 3 },
    watching: { inactivityTimeout: 0, listPageSize: 0, serverTimeout: 0 },
    peering: { priority: -100 },
    persistence: {
      diffbaseStorage: ['status', 'annotations'],
      diffbaseIgnoredFields: ['spec.data', ['a.b', 'c']],
    },
    execution: { lifecycle: () => [] },
    process: { ultimateExitingTimeout: undefined },
  };
  expect(problemsWith(overrides)).toEqual([]);
});

describe('a bad value is named with what is allowed', () => {
  test.each([
    [
      'persistence',
      'diffbaseStorage',
      'Status',
      "'Status': must be 'annotations', 'status', or a non-empty list of them",
    ],
    [
      'persistence',
      'diffbaseStorage',
      [],
      "[]: must be 'annotations', 'status', or a non-empty list of them",
    ],
    ['persistence', 'progressStorage', 'state', "'state': must be 'annotations', 'status', 'smart'"],
    ['persistence', 'finalizer', '', "'': must be a non-empty string"],
    [
      'persistence',
      'diffbaseIgnoredFields',
      'spec',
      "'spec': must be a list of (a dotted path like 'spec.data' or a list of keys)",
    ],
    ['scaling', 'shardLeaseDuration', 0, '0: must be a number of seconds > 0'],
    ['scaling', 'virtualNodes', 2.5, '2.5: must be a whole number ≥ 1'],
    ['peering', 'lifetime', -1, '-1: must be a number of seconds > 0'],
    ['peering', 'priority', Infinity, 'Infinity: must be a finite number'],
    ['networking', 'requestTimeout', NaN, 'NaN: must be a number of seconds > 0'],
    ['networking', 'errorBackoffs', [1, -2], '[1, -2]: must be a list of (a number of seconds ≥ 0)'],
    ['networking', 'errorBackoffs', 5, '5: must be a list of (a number of seconds ≥ 0)'],
    ['queueing', 'workerLimit', 0, '0: must be a whole number ≥ 1, or undefined'],
    ['execution', 'defaultBackoff', -5, '-5: must be a number of seconds ≥ 0'],
    ['execution', 'defaultBackoff', '60', "'60': must be a number of seconds ≥ 0"],
    ['posting', 'level', 'warn', "'warn': must be 'debug', 'info', 'warning', 'error'"],
    ['watching', 'clientTimeout', 0, '0: must be a number of seconds > 0, or undefined'],
    ['background', 'cancellationPolling', null, 'null: must be a number of seconds > 0'],
    ['admission', 'managed', '', "'': must be a non-empty string, or undefined"],
  ])('settings.%s.%s = %s', (group, field, value, message) => {
    expect(problemsWith({ [group]: { [field]: value } })).toEqual([
      `settings.${group}.${field} is ${message}`,
    ]);
  });
});

test('unknown groups and fields are problems: a typo never passes silently', () => {
  expect(
    problemsWith({ persistance: { progressStorage: 'status' }, persistence: { progresStorage: 'status' } }),
  ).toEqual([
    "settings.persistence.progresStorage is 'status': not a setting (settings.persistence has finalizer, annotationsPrefix, progressStorage, diffbaseStorage, diffbaseKey, diffbaseIgnoredFields, consistencyTimeout)",
    'settings.persistance is an object: not a settings group (process, posting, peering, scaling, watching, queueing, scanning, execution, networking, persistence, background, admission)',
  ]);
});

test('all problems are listed, not only the first', () => {
  const problems = problemsWith({ peering: { lifetime: -1, name: '' }, queueing: { idleTimeout: -1 } });
  expect(problems).toEqual([
    "settings.peering.name is '': must be a non-empty string",
    'settings.peering.lifetime is -1: must be a number of seconds > 0',
    'settings.queueing.idleTimeout is -1: must be a number of seconds ≥ 0',
  ]);
});
