/** The essence and the diff-base annotation, as Kopf computes and writes them. */
import { describe, expect, test } from 'vitest';
import {
  diffbaseAnnotations,
  pythonJson,
  readDiffbase,
  withoutIgnoredFields,
} from '../../runtime/processing/diffbase.ts';
import { essenceOf } from '../../runtime/processing/essence.ts';
import { defaultSettings } from '../../runtime/structs/settings.ts';

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
  test('re-adds the fields handlers filter on, minus the status progress storage', () => {
    const essence = essenceOf(body, {
      prefix: 'kopf.zalando.org',
      extraFields: [
        ['status', 'watched'],
        ['status', 'kopf'],
      ],
      progressField: ['status', 'kopf', 'progress'],
    });
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
    expect(diffbaseAnnotations(essence, persistence)).toEqual({
      'kopf.zalando.org/last-handled-configuration':
        '{"spec":{"a":"\\u00e9\\u2713","b":[1,2]},"metadata":{"labels":{"l":"\\u00fc"}}}\n',
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
