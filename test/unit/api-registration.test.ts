/** Handler registration: ids, validation, registries. */
import { describe, expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';

const RESOURCE = 'kopfexamples.kopf.dev';

describe('registration', () => {
  test('ids default to the function name; field handlers get the /field suffix', () => {
    const registry = new kopf.Registry();
    kopf.on.create(RESOURCE, function createFn() {}, { registry });
    kopf.on.field(RESOURCE, 'spec.size', function sizeFn() {}, { registry });
    kopf.on.update(RESOURCE, function upd() {}, { registry, id: 'custom', field: 'spec.x' });
    expect(registry.changing.map((h) => h.id)).toEqual(['createFn', 'sizeFn/spec.size', 'custom/spec.x']);
  });
  test('anonymous handlers need an id', () => {
    const registry = new kopf.Registry();
    expect(() =>
      kopf.on.create(
        RESOURCE,
        (
          () => () =>
            undefined
        )(),
        { registry },
      ),
    ).toThrow(/anonymous handler needs an `id`/);
    kopf.on.create(
      RESOURCE,
      (
        () => () =>
          undefined
      )(),
      { registry, id: 'given' },
    );
    expect(registry.changing.map((h) => h.id)).toEqual(['given']);
  });
  test('a duplicate id for the same resource and reason is an error', () => {
    const registry = new kopf.Registry();
    kopf.on.create(RESOURCE, function same() {}, { registry });
    expect(() => kopf.on.create(RESOURCE, () => undefined, { registry, id: 'same' })).toThrow(
      /Duplicate handler id 'same'/,
    );
  });
  test('value/old/new need a field and exclude each other; null label filters are rejected', () => {
    const registry = new kopf.Registry();
    expect(() => kopf.on.create(RESOURCE, function f() {}, { registry, value: 1 })).toThrow(/need `field`/);
    expect(() =>
      kopf.on.update(RESOURCE, function f() {}, { registry, field: 'a', value: 1, old: 2 }),
    ).toThrow(/mutually exclusive/);
    expect(() =>
      kopf.on.create(RESOURCE, function f() {}, { registry, labels: { a: null as unknown as string } }),
    ).toThrow(/kopf.PRESENT or kopf.ABSENT/);
  });
  test('a malformed resource name is rejected at registration, naming it and the cause', () => {
    const registry = new kopf.Registry();
    for (const register of [
      () => kopf.on.create('kopfexamples.', function f() {}, { registry }),
      () => kopf.on.event('kopfexamples.', function f() {}, { registry }),
      () => kopf.timer('kopfexamples.', function f() {}, { registry, interval: 1 }),
      () => kopf.index('kopfexamples.', function f() {}, { registry }),
    ]) {
      expect(register).toThrow(
        "Resource selector 'kopfexamples.' is malformed: the group after the dot is empty.",
      );
    }
    expect(() => kopf.on.create('', function f() {}, { registry })).toThrow(/'' is malformed/);
    expect(registry.selectors()).toEqual([]);
  });
  test('resource queries register per-object handlers; malformed ones and admission handlers are refused', () => {
    const registry = new kopf.Registry();
    const isWidget = () => true;
    kopf.on.create(kopf.EVERYTHING, function f() {}, { registry });
    kopf.on.event({ category: 'all', group: 'kopf.dev' }, function f() {}, { registry });
    kopf.timer({ where: isWidget }, function f() {}, { registry, interval: 1 });
    kopf.index({ ...kopf.EVERYTHING, group: '' }, function f() {}, { registry });
    // Two predicates that read the same are still different selectors.
    kopf.timer({ where: isWidget }, function f() {}, { registry, interval: 1 });
    expect(registry.selectors()).toHaveLength(5);
    expect(() => kopf.on.create({ group: 'kopf.dev' }, function f() {}, { registry })).toThrow(
      'The resource query {group=kopf.dev} is malformed: a resource query needs `everything: true`, a `category` or a `where` predicate.',
    );
    expect(() =>
      // @ts-expect-error: a predicate goes into a query, as `where`
      kopf.on.create(isWidget, function f() {}, { registry }),
    ).toThrow('A resource predicate is passed as a query: `{ where: (resource) => ... }`.');
    expect(() =>
      // @ts-expect-error: admission handlers take named resources only
      kopf.on.validate(kopf.EVERYTHING, function f() {}, { registry }),
    ).toThrow('A validating admission handler needs a named resource, not the query {everything}.');
  });

  test('delete handlers require a finalizer unless optional; resume handlers are initial', () => {
    const registry = new kopf.Registry();
    kopf.on.delete(RESOURCE, function mandatory() {}, { registry });
    kopf.on.delete(RESOURCE, function optional() {}, { registry, optional: true });
    kopf.on.resume(RESOURCE, function resumed() {}, { registry });
    expect(registry.changing.map((h) => [h.id, h.reason, h.requiresFinalizer, h.initial])).toEqual([
      ['mandatory', 'delete', true, false],
      ['optional', 'delete', false, false],
      ['resumed', undefined, false, true],
    ]);
  });
  test('the default registry is shared through globalThis', () => {
    const registry = kopf.defaultRegistry();
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('kopf-ts.registry')]).toBe(registry);
    expect(kopf.defaultRegistry()).toBe(registry);
  });
  test('registration returns the handler', () => {
    const registry = new kopf.Registry();
    function fn() {}
    expect(kopf.on.create(RESOURCE, fn, { registry })).toBe(fn);
  });
  test('timers, daemons, event and index handlers register with their options and filters', () => {
    const registry = new kopf.Registry();
    kopf.timer(RESOURCE, function tick() {}, {
      registry,
      interval: 1,
      idle: 2,
      sharp: true,
      labels: { a: 'b' },
    });
    kopf.daemon(RESOURCE, function watch() {}, { registry, cancellationTimeout: 3, initialDelay: 1 });
    kopf.on.event(RESOURCE, function spy() {}, { registry, field: 'spec.x', value: 1 });
    kopf.index(
      RESOURCE,
      function byName({ name }) {
        return name;
      },
      { registry },
    );
    expect(registry.spawning.map((h) => [h.kind, h.id])).toEqual([
      ['timer', 'tick'],
      ['daemon', 'watch'],
    ]);
    expect(registry.spawning[0]).toMatchObject({ interval: 1, idle: 2, sharp: true, labels: { a: 'b' } });
    expect(registry.spawning[1]).toMatchObject({ cancellationTimeout: 3, initialDelay: 1 });
    expect(registry.rawEvents[0]).toMatchObject({ id: 'spy', field: ['spec', 'x'], errors: 'ignored' });
    expect(registry.indexing[0]).toMatchObject({ id: 'byName', errors: 'ignored' });
    expect(() => kopf.timer(RESOURCE, function tick() {}, { registry })).toThrow(
      /Duplicate handler id 'tick'/,
    );
    expect(() => kopf.daemon(RESOURCE, () => undefined, { registry })).toThrow(/needs an `id`/);
  });

  test('sub-handlers can only be declared inside a running change handler', async () => {
    expect(() => kopf.register(function child() {})).toThrow(/only be used inside a change handler/);
    await expect(kopf.execute()).rejects.toThrow(/only be used inside a change handler/);
  });

  test('sub-handler filters and options are checked as handlers’ are, before anything else', () => {
    expect(() => kopf.subhandler(function child() {}, { value: 1 })).toThrow(
      '`value`, `old` and `new` filter a field: they need `field`.',
    );
    expect(() => kopf.subhandler(function child() {}, { labels: { app: null as never } })).toThrow(
      "The labels filter 'app' is null; use kopf.PRESENT or kopf.ABSENT.",
    );
    expect(() => kopf.register(function child() {}, { backoff: -1 })).toThrow(
      "The sub handler 'child': option `backoff` must be a number of seconds ≥ 0, not -1.",
    );
  });
});
