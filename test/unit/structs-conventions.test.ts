/** Annotation key naming, byte for byte as Kopf 1.44 (values computed with Kopf's Python code). */
import { describe, expect, test } from 'vitest';
import { blake2b } from '../../runtime/structs/blake2b.ts';
import {
  detectMarkedPrefixes,
  makeKeys,
  makeSuffix,
  makeV1Key,
  makeV2Key,
  markKey,
} from '../../runtime/structs/conventions.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

describe('BLAKE2b', () => {
  test.each([
    ['abc', 4, '63906248'],
    ['', 4, '1271cf25'],
    ['x'.repeat(200), 4, '01d7de14'],
    ['y'.repeat(128), 4, 'e70e01c5'],
  ])('blake2b(%j, digest_size=%i) is Python’s', (text, size, expected) => {
    expect(hex(blake2b(bytes(text), size))).toBe(expected);
  });

  test('the 64-byte digest matches the standard one (Node’s blake2b512)', async () => {
    const { createHash } = await import('node:crypto');
    for (const text of ['', 'abc', 'z'.repeat(300)]) {
      expect(hex(blake2b(bytes(text)))).toBe(createHash('blake2b512').update(text).digest('hex'));
    }
  });
});

describe('annotation keys', () => {
  const prefix = 'kopf.zalando.org';
  test.each([
    ['create_fn', 'kopf.zalando.org/create_fn', 'kopf.zalando.org/create_fn'],
    ['create_fn/item1', 'kopf.zalando.org/create_fn.item1', 'kopf.zalando.org/create_fn.item1'],
    ['a'.repeat(50), `kopf.zalando.org/${'a'.repeat(39)}-koaVtw`, `kopf.zalando.org/${'a'.repeat(50)}`],
    [
      'handler_with_a_rather_long_name/spec.some.deeply.nested.field.path',
      'kopf.zalando.org/handler_with_a_rather_long_name.spec.so-qGd2xA',
      'kopf.zalando.org/handler_with_a_rather_long_name.spec.some.deeply.nested.-T8WZZg',
    ],
    [
      'x'.repeat(70),
      `kopf.zalando.org/${'x'.repeat(39)}-j8bZbQ`,
      `kopf.zalando.org/${'x'.repeat(56)}-j8bZbQ`,
    ],
    ['éééééééééé/<x>', 'kopf.zalando.org/éééééééééé._x_', 'kopf.zalando.org/éééééééééé._x_'],
  ])('%s → V1 %s, V2 %s', (key, v1, v2) => {
    expect(makeV1Key(prefix, key)).toBe(v1);
    expect(makeV2Key(prefix, key)).toBe(v2);
    expect(makeKeys(prefix, key)).toEqual(v1 === v2 ? [v2] : [v2, v1]);
  });

  test('the suffix strips trailing base64 padding and altchars', () => {
    expect(makeSuffix('x'.repeat(70))).toBe('-j8bZbQ');
  });

  test('ReplicaSets of Deployments get the -ofDRS mark', () => {
    const rs = {
      kind: 'ReplicaSet',
      metadata: { ownerReferences: [{ kind: 'Deployment', apiVersion: 'apps/v1', name: 'd', uid: 'u' }] },
    };
    expect(markKey('create_fn', rs)).toBe('create_fn-ofDRS');
    expect(markKey('create_fn', { kind: 'ReplicaSet', metadata: {} })).toBe('create_fn');
  });

  test('prefixes of Kopf-based operators are detected', () => {
    const found = detectMarkedPrefixes([
      'kopf.zalando.org/create_fn',
      'my.kopf.zalando.org/x',
      'example.com/kopf-managed',
      'example.com/other',
      'unrelated.io/thing',
      'plain',
    ]);
    expect([...found].sort()).toEqual(['example.com', 'kopf.zalando.org', 'my.kopf.zalando.org']);
  });
});
