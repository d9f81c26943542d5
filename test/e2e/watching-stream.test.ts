/** The list+watch stream against a real API server: listing, live events, 410 re-lists, silent streams. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createApiClient, type ApiClient, type ClosableApiClient } from '../../runtime/client/index.ts';
import { makeSettings, type SettingsOverrides } from '../../runtime/structs/settings.ts';
import { watchObjects, type StreamItem } from '../../runtime/watching/index.ts';
import { eventually, freshNamespace, type TestNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { EXAMPLES as example, installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const fast: SettingsOverrides = {
  networking: { errorBackoffs: [0.1, 0.2, 0.5] },
  watching: { reconnectBackoff: 0.05, reconnectBackoffMax: 0.5 },
};

let admin: ClosableApiClient;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  await installCrd(kc);
  admin = createApiClient(kc, makeSettings(fast));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
afterAll(() => admin?.close());

/** Run a stream in the background, collecting what it yields, until the test ends. */
function collect(client: ApiClient, namespace: string, overrides: SettingsOverrides = fast) {
  const abort = new AbortController();
  const items: StreamItem[] = [];
  let ended = false;
  const running = (async () => {
    for await (const item of watchObjects(client, example, namespace, makeSettings(overrides), abort.signal))
      items.push(item);
    ended = true;
  })();
  cleanups.push(async () => {
    abort.abort();
    await running;
  });
  const seen = (type: StreamItem['type'], name: string) =>
    items.some((i) => i.type === type && i.type !== 'LISTED' && i.object.metadata?.name === name);
  return { items, seen, ended: () => ended, stop: () => abort.abort(), running };
}

async function namespace(prefix: string): Promise<TestNamespace> {
  const ns = await freshNamespace(kc, prefix);
  cleanups.push(() => ns.delete());
  return ns;
}

function create(ns: string, name: string, spec: Record<string, unknown> = {}) {
  return admin.create(example, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name },
    spec,
  });
}

describe('watchObjects', () => {
  test('delivers the existing objects as listed (type null), a LISTED marker, then live ADDED/MODIFIED/DELETED', async () => {
    const ns = await namespace('watch');
    await create(ns.name, 'before');
    const began = Date.now();
    const stream = collect(admin, ns.name);
    await eventually(() => stream.items.some((i) => i.type === 'LISTED'), {
      what: 'the listing',
      intervalMs: 5,
    });
    console.error(`watch: listed 1 object in ${Date.now() - began} ms from the start of the stream`);
    expect(stream.items.map((i) => [i.type, i.type === 'LISTED' ? '' : i.object.metadata?.name])).toEqual([
      [null, 'before'],
      ['LISTED', ''],
    ]);

    await create(ns.name, 'after');
    await admin.patch(example, ns.name, 'after', { spec: { changed: true } });
    await admin.delete(example, ns.name, 'after');
    await eventually(() => stream.seen('DELETED', 'after'), { what: 'the DELETED event' });
    const live = stream.items
      .slice(2)
      .map((i) => [i.type, i.type === 'LISTED' ? '' : i.object.metadata?.name]);
    expect(live).toEqual([
      ['ADDED', 'after'],
      ['MODIFIED', 'after'],
      ['DELETED', 'after'],
    ]);
  });

  test('a 410 Gone answer (too old resourceVersion) leads to a full re-list that loses no object', async () => {
    const ns = await namespace('gone');
    await create(ns.name, 'listed');
    // The first watch starts only after an object was created behind the listing's back, and asks
    // for an ancient version, so the real server answers 410 Gone: only a re-list can find 'gap'.
    let createGap!: () => void;
    const gapCreated = new Promise<void>((resolve) => (createGap = resolve));
    let watches = 0;
    const stale: ApiClient = {
      ...admin,
      watch: (resource, namespace, options) => {
        watches++;
        if (watches > 1) return admin.watch(resource, namespace, options);
        return (async function* () {
          createGap();
          await new Promise((resolve) => setTimeout(resolve, 300));
          yield* admin.watch(resource, namespace, { ...options, resourceVersion: '1' });
        })();
      },
    };
    const stream = collect(stale, ns.name);
    await gapCreated;
    await create(ns.name, 'gap');
    await eventually(() => stream.items.filter((i) => i.type === 'LISTED').length >= 2, {
      what: 'a re-listing',
    });
    await create(ns.name, 'live');
    await eventually(() => stream.seen('ADDED', 'live'), { what: 'a live event after the re-list' });
    const summary = stream.items.map((i) =>
      i.type === 'LISTED' ? 'LISTED' : `${i.type}:${i.object.metadata?.name}`,
    );
    expect(summary).toEqual(['null:listed', 'LISTED', 'null:gap', 'null:listed', 'LISTED', 'ADDED:live']);
  });

  test('lists page by page (limit + continue) and watches from the listing’s version', async () => {
    const ns = await namespace('pages');
    const names = ['p1', 'p2', 'p3', 'p4', 'p5'];
    for (const name of names) await create(ns.name, name);
    const pages: Array<{ limit?: number; continued: boolean; items: number }> = [];
    const paging: ApiClient = {
      ...admin,
      list: async (resource, namespace, options = {}) => {
        const page = await admin.list(resource, namespace, options);
        pages.push({
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          continued: options.continueToken !== undefined,
          items: page.items.length,
        });
        return page;
      },
    };
    const paged: SettingsOverrides = { ...fast, watching: { ...fast.watching, listPageSize: 2 } };
    const stream = collect(paging, ns.name, paged);
    await eventually(() => stream.items.some((i) => i.type === 'LISTED'), { what: 'the listing' });
    expect(pages).toEqual([
      { limit: 2, continued: false, items: 2 },
      { limit: 2, continued: true, items: 2 },
      { limit: 2, continued: true, items: 1 },
    ]);
    const listed = stream.items.map((i) => (i.type === 'LISTED' ? 'LISTED' : i.object.metadata?.name));
    expect(listed).toEqual([...names, 'LISTED']);
    await create(ns.name, 'live');
    await eventually(() => stream.seen('ADDED', 'live'), { what: 'a live event after the paged listing' });
  });

  test('a stream silent past the inactivity timeout is re-established and keeps delivering', async () => {
    const ns = await namespace('silent');
    const quick: SettingsOverrides = { ...fast, watching: { ...fast.watching, inactivityTimeout: 0.5 } };
    const client = createApiClient(kc, makeSettings(quick));
    cleanups.push(() => client.close());
    let watches = 0;
    const counting: ApiClient = {
      ...client,
      watch: (resource, namespace, options) => {
        watches++;
        return client.watch(resource, namespace, options);
      },
    };
    const stream = collect(counting, ns.name, quick);
    await eventually(() => watches >= 3, { what: 'reconnects of the silent stream', timeoutMs: 5000 });
    await create(ns.name, 'late');
    await eventually(() => stream.seen('ADDED', 'late'), { what: 'an event after the reconnects' });
    expect(stream.items.filter((i) => i.type === 'LISTED')).toHaveLength(1); // re-watched, not re-listed
    expect(stream.ended()).toBe(false);
  });

  test('ends promptly when aborted, even while connected', async () => {
    const ns = await namespace('abort');
    const stream = collect(admin, ns.name);
    await eventually(() => stream.items.some((i) => i.type === 'LISTED'));
    const began = Date.now();
    stream.stop();
    await stream.running;
    // Not ended by the abort, it would run until its inactivity timeout (70 s) or the server's.
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
