/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { JVM, JVMSpec, JVMSpecFooBar, JVMSpec_foo_bar } from './src/generated/example.com/v1/jvm.ts';
import { jvms } from './src/generated/example.com/v1/jvm.ts';

export const spec: JVMSpec = {
  '-Xmx': '1g',
  'hugepages-1Gi': '2',
  default: 'd',
  class: true,
  items: 'i',
  type: 't',
  'x-kubernetes-preserve-unknown-fields': 'x',
  "it's": 'ok',
  glob: '/a/b',
  fooBar: { a: 'a' },
  'foo-bar': { b: 'b' },
};
// Clashing path names stay predictable: the second one joins its path with underscores.
export const a: JVMSpecFooBar = { a: 'x' };
export const b: JVMSpec_foo_bar = { b: 'x' };
export const kind: JVM['kind'] = 'JVM';
export const plural: string = jvms.plural;
// @ts-expect-error quoted names are still typed
export const badXmx: JVMSpec = { '-Xmx': 1 };
