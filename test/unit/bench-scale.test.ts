/** The 100,000-object measure starts every contender with objects it must see as already handled. */
import { expect, test } from 'vitest';
import { handledBody } from '../../bench/lib/scale.ts';
import { readDiffbase } from '../../runtime/processing/diffbase.ts';
import { essenceOf } from '../../runtime/processing/essence.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';

test("a set-up object carries the diff-base of its own essence, in Kopf's annotation format", () => {
  const { persistence } = makeSettings();
  const body = handledBody('scale-000007', 7);
  expect(body['metadata']).toEqual({
    name: 'scale-000007',
    annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"index":7}}\n' },
  });
  // What kopf-ts (and Kopf) compare: the stored essence equals the object's, so no handler runs.
  expect(readDiffbase(body, persistence)).toEqual(essenceOf(body, { prefix: persistence.annotationsPrefix }));
});
