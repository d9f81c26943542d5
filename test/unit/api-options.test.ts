/** Handler option values are checked at registration, for every kind of handler, naming the handler and the option. */
import { describe, expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';

const RESOURCE = 'kopfexamples.kopf.dev';

/** Registers `fn` (named `fn`) with `options` through each registration function. */
const REGISTRATIONS: Record<string, (options: Record<string, unknown>) => unknown> = {
  'on.create': (options) => kopf.on.create(RESOURCE, function fn() {}, options),
  'on.update': (options) => kopf.on.update(RESOURCE, function fn() {}, options),
  'on.delete': (options) => kopf.on.delete(RESOURCE, function fn() {}, options),
  'on.resume': (options) => kopf.on.resume(RESOURCE, function fn() {}, options),
  'on.field': (options) => kopf.on.field(RESOURCE, 'spec.x', function fn() {}, options),
  'on.event': (options) => kopf.on.event(RESOURCE, function fn() {}, options),
  timer: (options) => kopf.timer(RESOURCE, function fn() {}, options),
  daemon: (options) => kopf.daemon(RESOURCE, function fn() {}, options),
  index: (options) => kopf.index(RESOURCE, function fn() {}, options),
  'on.startup': (options) => kopf.on.startup(function fn() {}, options),
  'on.cleanup': (options) => kopf.on.cleanup(function fn() {}, options),
  'on.login': (options) => kopf.on.login(function fn() {}, options),
  'on.probe': (options) => kopf.on.probe(function fn() {}, options),
};

/** Options every handler kind that retries takes. */
const RETRYING = Object.keys(REGISTRATIONS).filter((name) => name !== 'on.event');

function registering(name: string, options: Record<string, unknown>): () => unknown {
  return () => REGISTRATIONS[name]!({ ...options, registry: new kopf.Registry() });
}

describe('option values are validated at registration', () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ['backoff', -5, /option `backoff` must be a number of seconds ≥ 0, not -5\./],
    ['backoff', Number.NaN, /option `backoff` must be a number of seconds ≥ 0, not NaN\./],
    ['backoff', '5', /option `backoff` must be a number of seconds ≥ 0, not '5'\./],
    ['retries', -1, /option `retries` must be a whole number of attempts ≥ 1, not -1\./],
    ['retries', 0, /option `retries` must be a whole number of attempts ≥ 1, not 0\./],
    ['retries', 1.5, /option `retries` must be a whole number of attempts ≥ 1, not 1\.5\./],
    ['errors', 'bogus', /option `errors` must be 'temporary', 'permanent' or 'ignored', not 'bogus'\./],
    ['timeout', -1, /option `timeout` must be a number of seconds > 0, not -1\./],
    ['timeout', Number.NaN, /option `timeout` must be a number of seconds > 0, not NaN\./],
    ['timeout', Infinity, /option `timeout` must be a number of seconds > 0, not Infinity\./],
  ];
  for (const name of RETRYING) {
    test.each(bad)(`${name}: %s = %s`, (option, value, message) => {
      expect(registering(name, { [option]: value })).toThrow(message);
      expect(registering(name, { [option]: value })).toThrow(/handler 'fn': /);
    });
  }

  test.each([
    ['interval', 0, /The timer handler 'fn': option `interval` must be a number of seconds > 0, not 0\./],
    ['interval', Number.NaN, /option `interval` must be a number of seconds > 0, not NaN/],
    ['idle', -1, /option `idle` must be a number of seconds ≥ 0, not -1/],
    [
      'initialDelay',
      Number.NaN,
      /option `initialDelay` must be a number of seconds ≥ 0 or a function returning one, not NaN/,
    ],
    ['sharp', 'yes', /option `sharp` must be true or false, not 'yes'/],
  ])('timer: %s = %s', (option, value, message) => {
    expect(registering('timer', { interval: 1, [option]: value })).toThrow(message);
  });

  test.each([
    [
      'initialDelay',
      -2,
      /The daemon handler 'fn': option `initialDelay` must be a number of seconds ≥ 0 or a function returning one, not -2/,
    ],
    ['cancellationBackoff', -1, /option `cancellationBackoff` must be a number of seconds ≥ 0/],
    [
      'cancellationTimeout',
      Number.NaN,
      /option `cancellationTimeout` must be a number of seconds ≥ 0, not NaN/,
    ],
    ['cancellationPolling', 0, /option `cancellationPolling` must be a number of seconds > 0, not 0/],
  ])('daemon: %s = %s', (option, value, message) => {
    expect(registering('daemon', { [option]: value })).toThrow(message);
  });

  test('the delete handler’s optional and the resume handler’s deleted are booleans', () => {
    expect(registering('on.delete', { optional: 'no' })).toThrow(/option `optional` must be true or false/);
    expect(registering('on.resume', { deleted: 1 })).toThrow(/option `deleted` must be true or false, not 1/);
  });

  test('the error names the id given in the options, and the handler kind', () => {
    expect(registering('on.startup', { id: 'warmup', backoff: -1 })).toThrow(
      /^The startup handler 'warmup': option `backoff`/,
    );
  });

  test('good values and absent options register', () => {
    for (const name of Object.keys(REGISTRATIONS)) {
      expect(registering(name, {})).not.toThrow();
      if (RETRYING.includes(name))
        expect(
          registering(name, { retries: 3, backoff: 0, timeout: 0.5, errors: 'permanent' }),
        ).not.toThrow();
    }
    expect(
      registering('timer', { interval: 0.5, idle: 0, initialDelay: 0, sharp: true, backoff: 1.5 }),
    ).not.toThrow();
    expect(registering('timer', { interval: 1, initialDelay: () => 5 })).not.toThrow();
    expect(
      registering('daemon', {
        initialDelay: 1,
        cancellationBackoff: 0,
        cancellationTimeout: 0,
        cancellationPolling: 1,
      }),
    ).not.toThrow();
  });

  test('a bad value registers nothing', () => {
    const registry = new kopf.Registry();
    expect(() => kopf.on.create(RESOURCE, function fn() {}, { registry, backoff: -5 })).toThrow();
    expect(registry.changing).toEqual([]);
  });
});
