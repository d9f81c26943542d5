import { describe, expect, test } from 'vitest';
import { makeRing, shardingKey } from '../../runtime/reactor/sharding/ring.ts';
import { memberName } from '../../runtime/reactor/sharding/names.ts';
import { KOPF_EXAMPLES } from './handler-kit.ts';

const keys = (count: number) =>
  Array.from({ length: count }, (_, i) => `kopf.dev/KopfExample/ns${i % 7}/example-${i}`);

function shares(members: string[], all: string[]): Map<string, number> {
  const ring = makeRing(members, 100);
  const counts = new Map<string, number>(members.map((m) => [m, 0]));
  for (const key of all) {
    const owner = ring.owner(key);
    if (owner) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

describe('the consistent-hash ring', () => {
  test('3 members share 300 and 3000 keys, each 20–47 %', () => {
    for (const count of [300, 3000]) {
      const counts = shares(['op-7d9f-abcde', 'op-7d9f-fghij', 'op-7d9f-klmno'], keys(count));
      for (const n of counts.values()) {
        expect(n / count).toBeGreaterThanOrEqual(0.2);
        expect(n / count).toBeLessThanOrEqual(0.47);
      }
    }
  });

  test('a joining member takes keys only for itself; a leaving one gives away only its own', () => {
    const all = keys(3000);
    const before = makeRing(['a', 'b', 'c'], 100);
    const after = makeRing(['a', 'b', 'c', 'd'], 100);
    let moved = 0;
    for (const key of all) {
      if (before.owner(key) === after.owner(key)) continue;
      moved++;
      expect(after.owner(key)).toBe('d'); // joining: only towards the newcomer
    }
    expect(moved / all.length).toBeGreaterThan(0.1); // about 1/4
    expect(moved / all.length).toBeLessThan(0.4);
    const without = makeRing(['a', 'c'], 100);
    for (const key of all) {
      if (before.owner(key) !== 'b') expect(without.owner(key)).toBe(before.owner(key)); // leaving
    }
  });

  test('the ring is a function of the member set: order and duplicates do not matter', () => {
    const one = makeRing(['x', 'y', 'z'], 50);
    const two = makeRing(['z', 'x', 'y', 'x'], 50);
    expect(two.members).toEqual(['x', 'y', 'z']);
    for (const key of keys(500)) expect(two.owner(key)).toBe(one.owner(key));
    expect(makeRing([], 100).owner('any')).toBeUndefined();
    expect(makeRing(['solo'], 100).owner('any')).toBe('solo');
  });

  test('an object is placed by group/kind/namespace/name, an owned one by its controlling owner', () => {
    const parent = {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name: 'p', namespace: 'ns' },
    };
    expect(shardingKey(KOPF_EXAMPLES, parent)).toBe('kopf.dev/KopfExample/ns/p');
    // Metadata-only listings say `PartialObjectMetadata`: the resource, not the body, names the kind.
    const pods = { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true };
    const metadataOnly = { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata' };
    expect(shardingKey(pods, { ...metadataOnly, metadata: { name: 'c', namespace: 'ns' } })).toBe(
      '/Pod/ns/c',
    );
    const child = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'c',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '1' },
          { apiVersion: 'kopf.dev/v1', kind: 'KopfExample', name: 'p', uid: '2', controller: true },
        ],
      },
    };
    expect(shardingKey(pods, child)).toBe(shardingKey(KOPF_EXAMPLES, parent));
  });
});

describe('member names', () => {
  test('a pod name is its own member name; other identities are made safe, with a hash to stay distinct', () => {
    expect(memberName('op-7d9f5c-abcde')).toBe('op-7d9f5c-abcde');
    const fromKopf = memberName('alice@laptop/20261130064000/xyz');
    expect(fromKopf).toMatch(/^alice-laptop-20261130064000-xyz-[0-9a-f]{8}$/);
    expect(memberName('Alice@laptop/20261130064000/xyz')).not.toBe(fromKopf);
    const long = memberName('a'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
  });
});
