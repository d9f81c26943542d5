/** The essence and the diff-base (annotation or status field), as Kopf computes and writes them. */
import { describe, expect, test } from 'vitest';
import {
  pythonJson,
  readDiffbase,
  STATUS_DIFFBASE_FIELD,
  storeDiffbase,
  withoutIgnoredFields,
} from '../../runtime/processing/diffbase.ts';
import { essenceOf } from '../../runtime/processing/essence.ts';
import { STATUS_PROGRESS_FIELD } from '../../runtime/processing/storage.ts';
import { defaultSettings, type PersistenceSettings } from '../../runtime/structs/settings.ts';

const persistence = defaultSettings().persistence;
const body = {
  apiVersion: 'kopf.dev/v1',
  kind: 'KopfExample',
  metadata: {
    name: 'one',
    namespace: 'ns',
    uid: 'u',
    resourceVersion: '5',
    generation: 2,
    labels: { app: 'demo' },
    annotations: {
      'kopf.zalando.org/last-handled-configuration': '{}\n',
      'kopf.zalando.org/create_fn': '{}',
      'other.kopf.zalando.org/x': '1',
      'theirs.example.com/kopf-managed': 'yes',
      'theirs.example.com/progress': '{}',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'user.example.com/note': 'keep me',
    },
    finalizers: ['kopf.zalando.org/KopfFinalizerMarker'],
  },
  spec: { size: 1 },
  data: { k: 'v' },
  status: { phase: 'Ready', watched: 1, kopf: { progress: { a: {} } } },
};

describe('essence', () => {
  test('keeps top-level data, labels and foreign annotations; drops status, system metadata and Kopf’s annotations', () => {
    expect(essenceOf(body, { prefix: 'kopf.zalando.org' })).toEqual({
      spec: { size: 1 },
      data: { k: 'v' },
      metadata: { labels: { app: 'demo' }, annotations: { 'user.example.com/note': 'keep me' } },
    });
  });
  test('re-adds the fields handlers filter on, minus the status storages of progress and diff-base', () => {
    const essence = essenceOf(
      {
        ...body,
        status: { ...body.status, kopf: { ...body.status.kopf, 'last-handled-configuration': '{}' } },
      },
      {
        prefix: 'kopf.zalando.org',
        extraFields: [
          ['status', 'watched'],
          ['status', 'kopf'],
        ],
        storageFields: [STATUS_PROGRESS_FIELD, STATUS_DIFFBASE_FIELD],
      },
    );
    expect(essence.status).toEqual({ watched: 1, kopf: {} });
  });
  test('sharding’s labels are not essence: moving an object between replicas is no change', () => {
    const moved = {
      ...body,
      metadata: {
        ...body.metadata,
        labels: { app: 'demo', 'kopf.dev/shard-default': 'replica-2', 'kopf.dev/drain-default': 'true' },
      },
    };
    expect(essenceOf(moved, { prefix: 'kopf.zalando.org' })).toEqual(
      essenceOf(body, { prefix: 'kopf.zalando.org' }),
    );
  });
  test('empty stanzas disappear', () => {
    expect(
      essenceOf({ metadata: { labels: {}, annotations: {} }, spec: {} }, { prefix: 'kopf.zalando.org' }),
    ).toEqual({ spec: {} });
  });
});

describe('diff-base annotation', () => {
  test('is compact, ASCII-escaped JSON plus a newline, in Kopf’s key order', () => {
    const essence = essenceOf(
      { apiVersion: 'v1', kind: 'X', metadata: { labels: { l: 'ü' } }, spec: { a: 'é✓', b: [1, 2] } },
      { prefix: 'kopf.zalando.org' },
    );
    const patch = {};
    storeDiffbase(patch, essence, persistence, {});
    expect(patch).toEqual({
      metadata: {
        annotations: {
          'kopf.zalando.org/last-handled-configuration':
            '{"spec":{"a":"\\u00e9\\u2713","b":[1,2]},"metadata":{"labels":{"l":"\\u00fc"}}}\n',
        },
      },
    });
  });
  test('with a prefix of its own, the annotation comes with the kopf-managed marker, as Kopf writes it', () => {
    // Kopf 1.44.6: AnnotationsDiffBaseStorage(prefix='my.example.com').store(...) writes both.
    const patch = {};
    storeDiffbase(patch, { spec: {} }, { ...persistence, annotationsPrefix: 'my.example.com' }, {});
    expect(patch).toEqual({
      metadata: {
        annotations: {
          'my.example.com/last-handled-configuration': '{"spec":{}}\n',
          'my.example.com/kopf-managed': 'yes',
        },
      },
    });
  });
  test('is read back; unreadable means never handled', () => {
    const stored = {
      metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"a":1}}\n' } },
    };
    expect(readDiffbase(stored, persistence)).toEqual({ spec: { a: 1 } });
    expect(
      readDiffbase(
        { metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': '{oops' } } },
        persistence,
      ),
    ).toBeUndefined();
    expect(readDiffbase({}, persistence)).toBeUndefined();
  });
  test('pythonJson escapes like json.dumps(ensure_ascii=True)', () => {
    expect(pythonJson({ a: 'é✓', b: [1, 2] })).toBe('{"a":"\\u00e9\\u2713","b":[1,2]}');
  });
});

describe('diff-base in the status (Kopf’s StatusDiffBaseStorage, and MultiDiffBaseStorage)', () => {
  const storing = (diffbaseStorage: PersistenceSettings['diffbaseStorage']): PersistenceSettings => ({
    ...persistence,
    diffbaseStorage,
  });
  // The object of the essence tests above, with non-ASCII text, floats and nulls in its spec.
  const object = {
    ...body,
    spec: { field: 'é✓', items: [1, 2.5, null, true], nested: { z: 1, a: 2 } },
    status: { ...body.status, kopf: { ...body.status.kopf, 'last-handled-configuration': '{"spec":{}}' } },
  };
  // Printed by Kopf 1.44.6: StatusDiffBaseStorage().store(body=…, patch=…, essence=….build(body=…)) for
  // this object, then json.dumps(dict(patch)) — the same string in the status, plus a newline in the annotation.
  const KOPF_ESSENCE =
    '{"spec":{"field":"\\u00e9\\u2713","items":[1,2.5,null,true],"nested":{"z":1,"a":2}},"data":{"k":"v"},"metadata":{"labels":{"app":"demo"},"annotations":{"user.example.com/note":"keep me"}}}';
  const essence = essenceOf(object, {
    prefix: 'kopf.zalando.org',
    storageFields: [STATUS_PROGRESS_FIELD, STATUS_DIFFBASE_FIELD],
  });

  test('is the compact JSON string in status.kopf.last-handled-configuration, byte-identical to Kopf’s', () => {
    const patch = {};
    storeDiffbase(patch, essence, storing('status'), object);
    expect(patch).toEqual({ status: { kopf: { 'last-handled-configuration': KOPF_ESSENCE } } });
  });
  test('a list writes every storage (status and annotation) and reads the first that has one', () => {
    const patch = {};
    storeDiffbase(patch, essence, storing(['status', 'annotations']), object);
    expect(patch).toEqual({
      status: { kopf: { 'last-handled-configuration': KOPF_ESSENCE } },
      metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': `${KOPF_ESSENCE}\n` } },
    });
    const both = {
      metadata: {
        annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"from":"annotation"}}\n' },
      },
      status: { kopf: { 'last-handled-configuration': '{"spec":{"from":"status"}}' } },
    };
    expect(readDiffbase(both, storing(['status', 'annotations']))).toEqual({ spec: { from: 'status' } });
    expect(readDiffbase(both, storing(['annotations', 'status']))).toEqual({ spec: { from: 'annotation' } });
    expect(readDiffbase({ metadata: both.metadata }, storing(['status', 'annotations']))).toEqual({
      spec: { from: 'annotation' },
    });
  });
  test('only the configured storage is read, as in Kopf: an annotation alone means never handled', () => {
    const annotated = {
      metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"a":1}}\n' } },
    };
    expect(readDiffbase(annotated, storing('status'))).toBeUndefined();
    expect(readDiffbase(object, storing('status'))).toEqual({ spec: {} });
    expect(readDiffbase(object, storing('annotations'))).toEqual({}); // its annotation holds '{}'
  });
  test('an unreadable one counts as none, and the next storage is read', () => {
    const broken = {
      metadata: { annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"a":1}}\n' } },
      status: { kopf: { 'last-handled-configuration': '{oops' } },
    };
    expect(readDiffbase(broken, storing('status'))).toBeUndefined();
    expect(readDiffbase(broken, storing(['status', 'annotations']))).toEqual({ spec: { a: 1 } });
  });
  test('ignored fields stay out of the status diff-base too', () => {
    const patch = {};
    storeDiffbase(
      patch,
      withoutIgnoredFields(essence, { ...persistence, diffbaseIgnoredFields: ['spec.nested', 'metadata'] }),
      storing('status'),
      object,
    );
    expect(patch).toEqual({
      status: {
        kopf: {
          'last-handled-configuration':
            '{"spec":{"field":"\\u00e9\\u2713","items":[1,2.5,null,true]},"data":{"k":"v"}}',
        },
      },
    });
  });
});

describe('fields ignored for the diff-base (Kopf’s ignored_fields)', () => {
  const ignoring = (...fields: Array<string | readonly string[]>) => ({
    ...persistence,
    diffbaseIgnoredFields: fields,
  });
  test('are removed with the parents they leave empty, dotted or as paths', () => {
    const essence = { spec: { data: { big: 'x' }, size: 1 }, metadata: { labels: { a: 'b' } } };
    expect(withoutIgnoredFields(essence, ignoring('spec.data', ['metadata', 'labels', 'a']))).toEqual({
      spec: { size: 1 },
    });
    expect(essence.spec.data).toEqual({ big: 'x' });
  });
  test('keep parents that hold other fields, and ignore what is absent', () => {
    expect(withoutIgnoredFields({ spec: { a: { b: 1, c: 2 } } }, ignoring('spec.a.b', 'spec.x.y'))).toEqual({
      spec: { a: { c: 2 } },
    });
  });
});
