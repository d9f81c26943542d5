/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import { engines, type EngineSpec } from './src/generated/example.com/engine.ts';
import { engines as enginesV1, type EngineSpec as V1Spec } from './src/generated/example.com/v1/engine.ts';
import {
  engines as enginesAlpha,
  type EngineSpec as AlphaSpec,
} from './src/generated/example.com/v1alpha1/engine.ts';

// The version-less module is the storage version.
export const same: typeof enginesV1 = engines;
export const spec: EngineSpec = { power: 5, replicas: 1 } satisfies V1Spec;
export const alpha: AlphaSpec = { power: 'high' };
// @ts-expect-error each version keeps its own schema
export const wrong: AlphaSpec = { power: 5 };
export const versions: string[] = [enginesV1.version, enginesAlpha.version];
export const scale: boolean | undefined = enginesV1.subresources?.scale;
