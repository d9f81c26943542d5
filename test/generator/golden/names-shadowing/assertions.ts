/* eslint-disable @typescript-eslint/ban-ts-comment -- golden.test.ts compiles this file against the generated types */
// @ts-nocheck -- the repository typecheck cannot see the generated types
import type {
  Record as RecordObject,
  RecordSpec,
  RecordStatus,
} from './src/generated/example.com/v1/record.ts';

export const spec: RecordSpec = { tags: { a: 'b' } };
export const status: RecordStatus = { anything: 1 };
export const object: RecordObject = { apiVersion: 'example.com/v1', kind: 'Record', spec, status };
// @ts-expect-error map values stay typed when Record is shadowed
export const badTag: RecordSpec = { tags: { a: 1 } };
