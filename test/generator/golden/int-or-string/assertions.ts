/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { PortSpec } from './src/generated/example.com/v1/port.ts';

export const numbers: PortSpec = {
  withAnyOf: 5,
  bare: 5,
  inArray: [1, 'x'],
  inMap: { a: 1, b: '10%' },
  nullable: null,
};
export const strings: PortSpec = { withAnyOf: 'x', bare: 'http' };
// @ts-expect-error booleans are neither
export const bool: PortSpec = { bare: true };
// @ts-expect-error booleans are neither (with anyOf)
export const bool2: PortSpec = { withAnyOf: true };
// @ts-expect-error not nullable
export const nulled: PortSpec = { bare: null };
export function read(spec: PortSpec): number | string | undefined {
  return spec.withAnyOf ?? spec.bare;
}
