/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { BlobSpec } from './src/generated/example.com/v1/blob.ts';

export const anything: BlobSpec[] = [{ mystery: 1 }, { mystery: 'x' }, { mystery: { a: [] } }];
export function read(spec: BlobSpec): unknown {
  // @ts-expect-error unknown must be narrowed before use
  return spec.mystery.length;
}
