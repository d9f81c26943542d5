/** The 100,000-object measure starts every contender with objects it must see as already handled. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { expect, test } from 'vitest';
import { handledBody, milestoneNames, withSetUpVersion } from '../../bench/lib/scale.ts';
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

test('the milestones are spread through the set in listing order, the last one after every object', () => {
  const milestones = milestoneNames(100_000, 10);
  expect(milestones.map((m) => m.position)).toEqual([
    10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000,
  ]);
  const names = milestones.map((m) => m.name);
  // The apiserver lists a namespace by name: each milestone right after the object at its position.
  expect([...names].sort()).toEqual(names);
  expect('scale-010000' < names[0]! && names[0]! < 'scale-010001').toBe(true);
  expect(names[9]! > 'scale-099999').toBe(true);
});

test('the set-up version is v1 without the status subresource, served beside it and not stored', () => {
  const original = readFileSync(path.join(import.meta.dirname, '..', '..', 'bench', 'crd.yaml'), 'utf8');
  const crd = load(withSetUpVersion(original)) as {
    spec: {
      versions: Array<{
        name: string;
        served: boolean;
        storage: boolean;
        subresources?: object;
        schema: object;
      }>;
    };
  };
  const [v1, setUp] = crd.spec.versions;
  const before = (load(original) as typeof crd).spec.versions[0]!;
  expect(v1).toEqual(before);
  expect(setUp).toEqual({ name: 'v1alpha1', served: true, storage: false, schema: before.schema });
});
