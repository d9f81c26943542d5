/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { TemplateSpec } from './src/generated/example.com/v1/template.ts';

export const spec: TemplateSpec = {
  resource: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', labels: { a: 'b' } },
    data: { k: 'v' },
  },
  typed: { apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' } },
};
export function read(spec: TemplateSpec): [string | undefined, string | undefined, unknown] {
  return [spec.resource?.kind, spec.resource?.metadata?.name, spec.resource?.spec];
}
// @ts-expect-error metadata is ObjectMeta: names are strings
export const badMeta: TemplateSpec = { resource: { metadata: { name: 5 } } };
// @ts-expect-error without preserve-unknown-fields the embedded object is closed
export const extra: TemplateSpec = { typed: { data: {}, other: 1 } };
