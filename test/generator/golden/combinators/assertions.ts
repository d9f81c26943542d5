/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { RouteSpec } from './src/generated/example.com/v1/route.ts';

// Validation-only branches (required lists, formats) do not change the types.
export const spec: RouteSpec = { host: 'h', address: '10.0.0.1', target: 'a', weighted: { weight: 1 } };
export const targets: RouteSpec = { path: '/', target: ['a', 'b'] };
// @ts-expect-error a oneOf of types is a union: numbers are neither
export const badTarget: RouteSpec = { target: 5 };
// @ts-expect-error address is a string whatever its format
export const badAddress: RouteSpec = { address: 1 };
// @ts-expect-error allOf types are intersected
export const badWeight: RouteSpec = { weighted: { weight: 'x' } };
