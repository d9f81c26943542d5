/**
 * The processor's own logic with an in-memory stand-in for the client (the e2e tests cover the
 * real API): consistency after our own PATCH, and one PATCH per cycle.
 */
import { describe, expect, test } from 'vitest';
import type { ApiClient } from '../../runtime/client/types.ts';
import type { ChangingHandler, IndexingHandler, RawEventHandler } from '../../runtime/processing/handlers.ts';
import { IndexStore } from '../../runtime/processing/indexing.ts';
import { createProcessor } from '../../runtime/processing/processor.ts';
import type { KubernetesObject } from '../../runtime/structs/bodies.ts';
import { configureLogging } from '../../runtime/structs/logging.ts';
import { applyMergePatch } from '../../runtime/structs/patches.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import type { ObjectKey, WatchEvent } from '../../runtime/watching/types.ts';
import { changeHandler, KOPF_EXAMPLES } from './handler-kit.ts';

configureLogging({ write: () => undefined });

/** Stores one object; merge-patches bump its resourceVersion like the API server does. */
function objectStore(initial: KubernetesObject) {
  let current = initial;
  const patches: unknown[] = [];
  const client = {
    async patch(_r: unknown, _ns: unknown, _name: unknown, body: unknown) {
      patches.push(body);
      const rv = String(Number(current.metadata?.resourceVersion) + 1);
      current = applyMergePatch(current, body);
      current = { ...current, metadata: { ...current.metadata, resourceVersion: rv } };
      return current;
    },
  } as unknown as ApiClient;
  return { client, patches, current: () => current };
}

function handler(id: string, calls: string[]): ChangingHandler {
  return changeHandler({
    id,
    fn: ({ body }) => void calls.push(`${id}@${body.metadata?.resourceVersion}`),
    selector: 'kopfexamples',
  });
}

const body: KubernetesObject = {
  apiVersion: 'kopf.dev/v1',
  kind: 'KopfExample',
  metadata: { name: 'one', namespace: 'ns', uid: 'u1', resourceVersion: '1' },
  spec: { a: 1 },
};
const key: ObjectKey = { resource: KOPF_EXAMPLES, namespace: 'ns', name: 'one', uid: 'u1' };
const event = (object: KubernetesObject, type: WatchEvent['type'] = 'MODIFIED'): WatchEvent => ({
  type,
  object,
});
const calm = () => new AbortController().signal;

describe('consistency', () => {
  test('a stale event after our PATCH runs no handler when a newer event interrupts the wait', async () => {
    const store = objectStore(body);
    const calls: string[] = [];
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [handler('a', calls), handler('b', calls)],
      settings: makeSettings({ persistence: { consistencyTimeout: 5 } }),
      signal: calm(),
    });
    await process(key, event(body, 'ADDED'), calm());
    expect(calls).toEqual(['a@1']);

    const newer = new AbortController();
    setTimeout(() => newer.abort(), 50);
    const started = Date.now();
    await process(key, event(body), newer.signal); // the same stale version again
    expect(Date.now() - started).toBeLessThan(1000);
    expect(calls).toEqual(['a@1']);

    await process(key, event(store.current()), calm()); // our PATCH's echo
    expect(calls).toEqual(['a@1', 'b@2']);
  });

  test('without a newer event, consistency is assumed after the timeout', async () => {
    const store = objectStore(body);
    const calls: string[] = [];
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [handler('a', calls), handler('b', calls)],
      settings: makeSettings({ persistence: { consistencyTimeout: 0.2 } }),
      signal: calm(),
    });
    await process(key, event(body, 'ADDED'), calm());
    const started = Date.now();
    await process(
      key,
      event({ ...store.current(), metadata: { ...store.current().metadata, resourceVersion: '1' } }),
      calm(),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(calls).toEqual(['a@1', 'b@1']);
  });

  test('a newer resourceVersion than expected also counts as consistent', async () => {
    const store = objectStore(body);
    const calls: string[] = [];
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [handler('a', calls), handler('b', calls)],
      settings: makeSettings({ persistence: { consistencyTimeout: 5 } }),
      signal: calm(),
    });
    await process(key, event(body, 'ADDED'), calm());
    const later = { ...store.current(), metadata: { ...store.current().metadata, resourceVersion: '7' } };
    const started = Date.now();
    await process(key, event(later), calm());
    expect(Date.now() - started).toBeLessThan(500);
    expect(calls).toEqual(['a@1', 'b@7']);
  });
});

describe('one patch per cycle', () => {
  test('progress, results, the user patch and the diff-base go in one request', async () => {
    const store = objectStore(body);
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [
        {
          ...handler('only', []),
          fn: ({ patch }) => {
            patch.metadata.labels['touched'] = 'yes';
            return { ok: true };
          },
        },
      ],
      settings: makeSettings(),
      signal: calm(),
    });
    await process(key, event(body, 'ADDED'), calm());
    expect(store.patches).toEqual([
      {
        metadata: {
          labels: { touched: 'yes' },
          annotations: { 'kopf.zalando.org/last-handled-configuration': '{"spec":{"a":1}}\n' },
        },
        status: { only: { ok: true } },
      },
    ]);
  });
});

describe('patch.fns', () => {
  test('a JSON-patch after the merge-patch, guarded by its resourceVersion; after a conflict, re-applied next cycle', async () => {
    const store = objectStore(body);
    const jsonPatches: unknown[] = [];
    let conflicts = 1;
    const client = {
      async patch(...args: Parameters<ApiClient['patch']>) {
        if (args[4]?.type !== 'json') return store.client.patch(...args);
        jsonPatches.push(args[3]);
        if (conflicts-- > 0) throw Object.assign(new Error('the test failed'), { status: 422 });
        return store.current();
      },
    } as unknown as ApiClient;
    const process = createProcessor({
      client,
      resource: KOPF_EXAMPLES,
      handlers: [
        {
          ...handler('only', []),
          fn: ({ patch }) => {
            patch.fns.push((object) => {
              object.spec = { ...(object.spec as object), b: 2 };
            });
          },
        },
      ],
      settings: makeSettings(),
      signal: calm(),
    });
    await process(key, event(body, 'ADDED'), calm());
    expect(store.patches).toHaveLength(1); // the diff-base: the functions are not in the merge-patch
    const expected = [
      { op: 'test', path: '/metadata/resourceVersion', value: '2' },
      { op: 'add', path: '/spec/b', value: 2 },
    ];
    expect(jsonPatches).toEqual([expected]);
    await process(key, event(store.current()), calm()); // nothing to handle: only the postponed functions
    expect(jsonPatches).toEqual([expected, expected]);
    await process(key, event(store.current()), calm());
    expect(jsonPatches).toHaveLength(2); // applied once: not kept any longer
  });
});

describe('sharding: an object leaving this replica is handed over, not handled or deleted', () => {
  const labelled = (labels: Record<string, string>): KubernetesObject => ({
    ...body,
    metadata: { ...body.metadata, labels },
  });
  const view = (released: string[]) => ({
    standing: (object: KubernetesObject) => {
      const labels = object.metadata?.labels ?? {};
      if (labels.shard !== 'me') return 'elsewhere' as const;
      return labels.drain ? ('draining' as const) : ('mine' as const);
    },
    release: async (released_: ObjectKey) => void released.push(released_.name),
  });

  test('its own objects are handled; a drained one is released without running handlers', async () => {
    const store = objectStore(labelled({ shard: 'me' }));
    const calls: string[] = [];
    const released: string[] = [];
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [handler('a', calls)],
      settings: makeSettings(),
      signal: calm(),
      shard: view(released),
    });
    await process(key, event(labelled({ shard: 'me', drain: 'true' }), 'ADDED'), calm());
    expect({ calls, released }).toEqual({ calls: [], released: ['one'] });
    await process(key, event(labelled({ shard: 'me' }), 'ADDED'), calm());
    expect({ calls, released }).toEqual({ calls: ['a@1'], released: ['one'] });
  });

  test('leaving the watch (DELETED, labelled for someone else) is no deletion and needs no release', async () => {
    const store = objectStore(labelled({ shard: 'me' }));
    const calls: string[] = [];
    const released: string[] = [];
    const events: RawEventHandler = {
      kind: 'event',
      id: 'events',
      selector: 'kopfexamples',
      fn: ({ type }) => void calls.push(String(type)),
      errors: undefined,
      retries: undefined,
      timeout: undefined,
      backoff: undefined,
      param: undefined,
    };
    const process = createProcessor({
      client: store.client,
      resource: KOPF_EXAMPLES,
      handlers: [],
      settings: makeSettings(),
      signal: calm(),
      shard: view(released),
      rawEvents: [events],
    });
    await process(key, event(labelled({ shard: 'other' }), 'DELETED'), calm());
    expect({ calls, released }).toEqual({ calls: [], released: [] });
    expect(store.patches).toEqual([]);
    // A real deletion keeps our label: the event handlers hear of it.
    await process(key, event(labelled({ shard: 'me' }), 'DELETED'), calm());
    expect({ calls, released }).toEqual({ calls: ['DELETED'], released: [] });
  });
});

test('an object that leaves the shard leaves the replica’s indexes too', async () => {
  const index = new IndexStore();
  const indexer: IndexingHandler = {
    kind: 'index',
    id: 'names',
    selector: 'kopfexamples',
    fn: ({ name }) => ({ [String(name)]: true }),
    store: index,
    errors: undefined,
    retries: undefined,
    timeout: undefined,
    backoff: undefined,
    param: undefined,
  };
  const mine = { ...body, metadata: { ...body.metadata, labels: { shard: 'me' } } };
  const process = createProcessor({
    client: objectStore(mine).client,
    resource: KOPF_EXAMPLES,
    handlers: [],
    settings: makeSettings(),
    signal: calm(),
    indexing: [indexer],
    shard: {
      standing: (o) => (o.metadata?.labels?.shard === 'me' ? 'mine' : 'elsewhere'),
      release: async () => {},
    },
  });
  await process(key, event(mine, 'ADDED'), calm());
  expect(index.keys()).toEqual(['one']);
  await process(
    key,
    event({ ...body, metadata: { ...body.metadata, labels: { shard: 'other' } } }, 'DELETED'),
    calm(),
  );
  expect(index.keys()).toEqual([]);
});
