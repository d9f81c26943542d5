/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { BagSpec, BagSpecPartly, BagStatus } from './src/generated/example.com/v1/bag.ts';

export const spec: BagSpec = {
  free: { a: 1, b: { c: [] } },
  partly: { known: 'k', extra: 1 },
  anything: 'a string is fine',
};
export const status: BagStatus = { whatever: { nested: true } };
export function read(spec: BagSpec, partly: BagSpecPartly): unknown[] {
  const known: string | undefined = partly.known;
  return [spec.free?.a, partly.extra, known, spec.anything];
}
// @ts-expect-error known properties keep their types next to the index signature
export const wrongKnown: BagSpecPartly = { known: 5 };
// @ts-expect-error free is an object of unknown fields, not a string
export const notObject: BagSpec = { free: 'x' };
