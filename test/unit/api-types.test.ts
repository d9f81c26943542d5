/**
 * Type-level tests: handler arguments are typed from the resource descriptor. `tsc -p tsconfig.json`
 * checks the `@ts-expect-error` lines (a line that stops being an error fails the typecheck).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as kopf from '../../runtime/index.ts';

interface ExampleSpec {
  size?: number;
  items?: string[];
}
interface ExampleStatus {
  phase?: 'Pending' | 'Ready';
  createFn?: { message?: string };
}

const examples = kopf.resource<ExampleSpec, ExampleStatus>({
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
});

describe('handler types flow from the descriptor', () => {
  const registry = new kopf.Registry();

  it('types spec, status, body, patch', () => {
    kopf.on.create(
      examples,
      function typed({ spec, status, body, patch, old, new: newEssence }) {
        expectTypeOf(spec).toEqualTypeOf<ExampleSpec>();
        expectTypeOf(spec.size).toEqualTypeOf<number | undefined>();
        expectTypeOf(status.phase).toEqualTypeOf<'Pending' | 'Ready' | undefined>();
        expectTypeOf(body.spec).toEqualTypeOf<ExampleSpec>();
        expectTypeOf(old?.spec).toEqualTypeOf<ExampleSpec | undefined>();
        expectTypeOf(newEssence?.spec).toEqualTypeOf<ExampleSpec | undefined>();
        patch.status.phase = 'Ready';
        patch.spec.size = null; // merge-patch: null deletes
        patch.metadata.labels['x'] = 'y';
        patch.metadata.annotations['gone'] = null;
        // @ts-expect-error -- a typo in a spec field is a compile error
        void spec.sizee;
        // @ts-expect-error -- a typo in a patched field is a compile error
        patch.spec.sise = 1;
        // @ts-expect-error -- status values are typed
        patch.status.phase = 'Exploded';
        // @ts-expect-error -- spec values are typed
        patch.spec.size = 'big';
      },
      { registry },
    );
  });

  it('types update, delete, resume, field handlers the same way', () => {
    kopf.on.update(
      examples,
      function upd({ spec }) {
        // @ts-expect-error -- typo
        void spec.itemz;
      },
      { registry, field: 'spec.size', old: kopf.PRESENT, new: (v) => v !== undefined },
    );
    kopf.on.delete(
      examples,
      function del({ spec }) {
        expectTypeOf(spec.items).toEqualTypeOf<string[] | undefined>();
      },
      { registry, optional: true },
    );
    kopf.on.resume(
      examples,
      function res({ spec }) {
        expectTypeOf(spec).toEqualTypeOf<ExampleSpec>();
      },
      { registry, deleted: true },
    );
    kopf.on.field(
      examples,
      'spec.size',
      function fld({ old, new: value, spec }) {
        expectTypeOf(old).toEqualTypeOf<unknown>();
        expectTypeOf(value).toEqualTypeOf<unknown>();
        expectTypeOf(spec).toEqualTypeOf<ExampleSpec>();
      },
      { registry },
    );
  });

  it('types filters', () => {
    kopf.on.create(examples, function filtered() {}, {
      registry,
      labels: {
        app: 'x',
        other: kopf.PRESENT,
        third: kopf.ABSENT,
        fourth: (value, { spec }) => !!value && !!spec.size,
      },
      annotations: { note: kopf.ABSENT },
      when: ({ spec }) => (spec.size ?? 0) > 1,
    });
    // @ts-expect-error -- `when` sees the typed spec
    kopf.on.create(examples, function badWhen() {}, { registry, when: ({ spec }) => spec.nope === 1 });
    // @ts-expect-error -- unknown options are rejected
    kopf.on.create(examples, function badOption() {}, { registry, retriez: 3 });
  });

  it('leaves string resources untyped', () => {
    kopf.on.create(
      'configmaps',
      function cm({ spec, body, patch }) {
        expectTypeOf(spec).toEqualTypeOf<Record<string, unknown>>();
        expectTypeOf(body['data']).toEqualTypeOf<unknown>();
        patch['data'] = { key: 'value' };
      },
      { registry },
    );
  });
});

describe('admission handler types flow from the descriptor', () => {
  const registry = new kopf.Registry();

  it('types the object, old/new, patch and the request particulars', () => {
    kopf.on.validate(
      examples,
      function typedValidate({ spec, old, new: incoming, operation, dryrun, warnings, userinfo }) {
        expectTypeOf(spec).toEqualTypeOf<ExampleSpec>();
        expectTypeOf(old?.spec).toEqualTypeOf<ExampleSpec | undefined>();
        expectTypeOf(incoming?.status?.phase).toEqualTypeOf<'Pending' | 'Ready' | undefined>();
        expectTypeOf(operation).toEqualTypeOf<'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT'>();
        expectTypeOf(dryrun).toEqualTypeOf<boolean>();
        expectTypeOf(userinfo.username).toEqualTypeOf<string | undefined>();
        warnings.push('fine');
        // @ts-expect-error -- a typo in a spec field is a compile error
        void spec.sizee;
        if (spec.size === 0) throw new kopf.AdmissionError('No size.', { code: 422 });
      },
      { registry, operations: ['CREATE', 'UPDATE'] },
    );
    expect(() =>
      // @ts-expect-error -- operations are Kubernetes' admission operations (and checked at run time)
      kopf.on.validate(examples, function wrongOperation() {}, { registry, operations: ['PATCH'] }),
    ).toThrow("option `operations` must be some of CREATE, UPDATE, DELETE, CONNECT, not 'PATCH'");
    kopf.on.mutate(
      examples,
      function typedMutate({ patch }) {
        patch.spec.size = 1;
        // @ts-expect-error -- patched values are typed
        patch.spec.size = 'big';
      },
      { registry, subresource: 'status', ignoreFailures: true },
    );
  });
});
