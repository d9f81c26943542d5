/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type { Gadget, GadgetSpec, GadgetSpecParts } from './src/generated/example.com/v1/gadget.ts';

export const full: GadgetSpec = { size: 1, owner: null, note: 'x', ratio: null, parts: { count: 2 } };
export const minimal: GadgetSpec = { size: 1, owner: 'me' };
export const nullParts: GadgetSpec = { size: 1, owner: 'me', parts: null };
// @ts-expect-error size is required
export const noSize: GadgetSpec = { owner: 'me' };
// @ts-expect-error owner is required (nullable does not make it optional)
export const noOwner: GadgetSpec = { size: 1 };
// @ts-expect-error note is not nullable
export const nullNote: GadgetSpec = { size: 1, owner: 'me', note: null };
// @ts-expect-error count is required
export const emptyParts: GadgetSpecParts = {};
// @ts-expect-error the root requires spec
export const noSpec: Gadget = { apiVersion: 'example.com/v1', kind: 'Gadget' };
export const object: Gadget = {
  apiVersion: 'example.com/v1',
  kind: 'Gadget',
  metadata: { name: 'g' },
  spec: minimal,
};
// @ts-expect-error apiVersion is the literal group/version
export const wrongVersion: Gadget = { apiVersion: 'example.com/v2', kind: 'Gadget', spec: minimal };
