/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import {
  lampSpecBrightnessValues,
  lampSpecColorValues,
  lampStatusPhaseValues,
  type LampSpec,
  type LampSpecBrightness,
  type LampSpecColor,
  type LampStatus,
} from './src/generated/example.com/v1/lamp.ts';

export const spec: LampSpec = {
  color: '!=',
  brightness: 50,
  mode: null,
  history: ['', '-1'],
  perRoom: { a: 301 },
};
export const off: LampSpec = { mode: 'off' };
// @ts-expect-error not one of the values
export const badColor: LampSpec = { color: 'blue' };
// @ts-expect-error integer enums stay numbers, not strings
export const stringBrightness: LampSpec = { brightness: '50' };
// @ts-expect-error 75 is not a value
export const badBrightness: LampSpec = { brightness: 75 };
// @ts-expect-error enums inside arrays are kept
export const badHistory: LampSpec = { history: ['blue'] };
// @ts-expect-error enums inside maps are kept
export const badRoom: LampSpec = { perRoom: { a: 303 } };
export const status: LampStatus = { phase: 'Ready' };
// The const arrays list exactly the values, typed as the union.
export const colors: readonly LampSpecColor[] = lampSpecColorValues;
export const levels: readonly LampSpecBrightness[] = lampSpecBrightnessValues;
export const phases: readonly ('Pending' | 'Ready')[] = lampStatusPhaseValues;
export const colorCount: 5 = lampSpecColorValues.length;
