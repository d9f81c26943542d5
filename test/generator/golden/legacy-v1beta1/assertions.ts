/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import { olds, type OldSpec } from './src/generated/example.com/v1/old.ts';
import type { Schemaless, SchemalessSpec } from './src/generated/example.com/v1beta1/schemaless.ts';

export const spec: OldSpec = { name: 'n' };
// @ts-expect-error the top-level validation schema is used
export const bad: OldSpec = { name: 1 };
export const status: boolean | undefined = olds.subresources?.status;
export const free: SchemalessSpec = { anything: [1, 'x'] };
export const object: Schemaless = {
  apiVersion: 'example.com/v1beta1',
  kind: 'Schemaless',
  spec: free,
  extra: true,
};
