/** Index stores (per-object contributions, Kopf's key rules), the readiness gate, and index typing. */
import { describe, expect, expectTypeOf, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { IndexingGate, IndexStore } from '../../runtime/processing/indexing.ts';

describe('index store', () => {
  test('a mapping puts each key/value; anything else goes under the key null', () => {
    const store = new IndexStore();
    store.replace('ns/a/1', { x: 1, y: 2 });
    store.replace('ns/b/2', new Map([['x', 3]]));
    store.replace('ns/c/3', 'plain');
    expect(store.get('x')).toEqual([1, 3]);
    expect(store.get('y')).toEqual([2]);
    expect(store.get(null)).toEqual(['plain']);
    expect(store.keys()).toEqual(['x', 'y', null]);
  });

  test("an object's new result replaces all its previous entries; removal drops empty keys", () => {
    const store = new IndexStore();
    store.replace('a', { x: 1, y: 1 });
    store.replace('b', { x: 2 });
    store.replace('a', { z: 1 });
    expect([...store]).toEqual([
      ['x', [2]],
      ['z', [1]],
    ]);
    store.remove('b');
    expect(store.has('x')).toBe(false);
    expect(store.size).toBe(1);
    expect(store.get('missing')).toEqual([]);
  });
});

describe('indexing gate', () => {
  const open = async (gate: IndexingGate) => {
    let opened = false;
    void gate.ready(new AbortController().signal).then(() => (opened = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return opened;
  };

  test('is open at once when nothing is indexed', async () => {
    expect(await open(new IndexingGate())).toBe(true);
  });

  test('opens only after every expected listing, and not while an index handler runs', async () => {
    const gate = new IndexingGate();
    gate.expect('a');
    gate.expect('b');
    let finish!: () => void;
    const running = gate.track(() => new Promise<void>((resolve) => (finish = resolve)));
    gate.listed('a');
    expect(await open(gate)).toBe(false);
    gate.listed('b');
    expect(await open(gate)).toBe(false);
    finish();
    await running;
    expect(await open(gate)).toBe(true);
  });
});

describe('index typing', () => {
  test('the index type follows the handler result', () => {
    const registry = new kopf.Registry();
    const keyed = kopf.index('pods', (): Record<string, number> => ({ a: 1 }), { registry, id: 'keyed' });
    expectTypeOf(keyed.get('a')).toEqualTypeOf<number[]>();
    const mapped = kopf.index('pods', () => new Map<number, string>(), { registry, id: 'mapped' });
    expectTypeOf(mapped.get(1)).toEqualTypeOf<string[]>();
    const plain = kopf.index('pods', ({ name }) => name, { registry, id: 'plain' });
    expectTypeOf(plain.get(null)).toEqualTypeOf<string[]>();
  });
});
