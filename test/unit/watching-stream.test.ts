/** The list+watch loop's decisions, driven by a scripted client (the e2e tests use a real server). */
import { describe, expect, test } from 'vitest';
import { ApiConnectionError, ApiError } from '../../runtime/client/errors.ts';
import type { ApiClient, ListResult, RawWatchEvent, WatchOptions } from '../../runtime/client/types.ts';
import { configureLogging } from '../../runtime/structs/logging.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { streamStats, watchObjects, type StreamItem } from '../../runtime/watching/index.ts';
import { watchFailureLevel } from '../../runtime/watching/stream.ts';
import { KOPF_EXAMPLES } from './handler-kit.ts';

configureLogging({ write: () => undefined });

const resource = KOPF_EXAMPLES;
const settings = makeSettings({ watching: { reconnectBackoff: 0.001, reconnectBackoffMax: 0.01 } });

const obj = (name: string, rv: string) => ({ metadata: { name, uid: name, resourceVersion: rv } });
type WatchScript = Array<RawWatchEvent | Error>;

/** A client whose lists and watches follow a script; records the watch versions asked for. */
function scriptedClient(lists: Array<ListResult | Error>, watches: WatchScript[]) {
  const asked: string[] = [];
  let listCalls = 0;
  const client = {
    async list() {
      const next = lists[Math.min(listCalls++, lists.length - 1)]!;
      if (next instanceof Error) throw next;
      return next;
    },
    async *watch(_r: unknown, _n: unknown, options: WatchOptions) {
      asked.push(options.resourceVersion);
      const script = watches.shift();
      if (!script) {
        await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve()));
        return;
      }
      for (const step of script) {
        if (step instanceof Error) throw step;
        yield step;
      }
    },
  } as unknown as ApiClient;
  return { client, asked, lists: () => listCalls };
}

async function take(client: ApiClient, count: number, stats = streamStats()): Promise<StreamItem[]> {
  const abort = new AbortController();
  const items: StreamItem[] = [];
  for await (const item of watchObjects(client, resource, 'ns', settings, abort.signal, { stats })) {
    items.push(item);
    if (items.length >= count) abort.abort();
  }
  return items;
}

const summary = (items: StreamItem[]) =>
  items.map((i) => (i.type === 'LISTED' ? 'LISTED' : `${i.type}:${i.object.metadata?.name}`));

describe('watchObjects', () => {
  test('re-watches from the latest version seen, including bookmarks, which are not yielded', async () => {
    const s = scriptedClient(
      [{ items: [obj('a', '1')], resourceVersion: '10' }],
      [
        [
          { type: 'ADDED', object: obj('b', '11') },
          { type: 'BOOKMARK', object: obj('', '15') },
        ],
        [{ type: 'MODIFIED', object: obj('b', '16') }],
      ],
    );
    const stats = streamStats();
    const items = await take(s.client, 4, stats);
    expect(summary(items)).toEqual(['null:a', 'LISTED', 'ADDED:b', 'MODIFIED:b']);
    expect(stats).toMatchObject({ bookmarks: 1, events: 2 });
    expect(s.asked).toEqual(['10', '15']);
    expect(s.lists()).toBe(1);
  });

  test('an ERROR 410 event leads to a full re-list, delivering the objects again as listed', async () => {
    const s = scriptedClient(
      [
        { items: [obj('a', '1')], resourceVersion: '10' },
        { items: [obj('a', '1'), obj('b', '20')], resourceVersion: '21' },
      ],
      [[{ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } as never }]],
    );
    const stats = streamStats();
    const items = await take(s.client, 5, stats);
    expect(summary(items)).toEqual(['null:a', 'LISTED', 'null:a', 'null:b', 'LISTED']);
    expect(s.lists()).toBe(2);
    expect(stats).toMatchObject({ listings: 2, relists: 1, watches: 1, failures: 0 });
  });

  test('a 410 answer to the watch request also re-lists', async () => {
    const gone = new ApiError({ status: 410, request: 'GET x', body: { reason: 'Expired' } });
    const s = scriptedClient(
      [
        { items: [], resourceVersion: '10' },
        { items: [obj('c', '30')], resourceVersion: '31' },
      ],
      [[gone]],
    );
    expect(summary(await take(s.client, 3))).toEqual(['LISTED', 'null:c', 'LISTED']);
  });

  test('a listing whose snapshot expires between pages (410 on continue) starts over from the first page', async () => {
    const gone = new ApiError({ status: 410, request: 'GET x?continue=t', body: { reason: 'Expired' } });
    const s = scriptedClient(
      [
        { items: [obj('a', '1')], resourceVersion: '10', continueToken: 'old' },
        gone,
        { items: [obj('a', '1')], resourceVersion: '20', continueToken: 'new' },
        { items: [obj('b', '2')], resourceVersion: '20' },
      ],
      [],
    );
    const stats = streamStats();
    expect(summary(await take(s.client, 4, stats))).toEqual(['null:a', 'null:a', 'null:b', 'LISTED']);
    expect(s.lists()).toBe(4);
    expect(stats).toMatchObject({ listings: 1, failures: 0 });
  });

  test('a broken connection re-watches from the last version without re-listing', async () => {
    const broken = new ApiConnectionError('GET x', new Error('ECONNRESET'));
    const s = scriptedClient(
      [{ items: [], resourceVersion: '10' }],
      [[{ type: 'ADDED', object: obj('a', '12') }, broken], [{ type: 'DELETED', object: obj('a', '13') }]],
    );
    const stats = streamStats();
    expect(summary(await take(s.client, 3, stats))).toEqual(['LISTED', 'ADDED:a', 'DELETED:a']);
    expect(s.asked).toEqual(['10', '12']);
    expect(stats).toMatchObject({ listings: 1, relists: 0, watches: 2, events: 2 });
    expect(s.lists()).toBe(1);
  });

  test('failed listings are retried; the loop never throws', async () => {
    const forbidden = new ApiError({ status: 403, request: 'GET x', body: { reason: 'Forbidden' } });
    const s = scriptedClient(
      [forbidden, new Error('socket hang up'), { items: [obj('a', '1')], resourceVersion: '5' }],
      [],
    );
    const stats = streamStats();
    expect(summary(await take(s.client, 2, stats))).toEqual(['null:a', 'LISTED']);
    expect(s.lists()).toBe(3);
    expect(stats).toMatchObject({ listings: 1, failures: 2 });
  });

  test('unknown event types are skipped', async () => {
    const s = scriptedClient(
      [{ items: [], resourceVersion: '1' }],
      [
        [
          { type: 'SURPRISE' as never, object: obj('x', '2') },
          { type: 'ADDED', object: obj('y', '3') },
        ],
      ],
    );
    expect(summary(await take(s.client, 2))).toEqual(['LISTED', 'ADDED:y']);
  });
});

describe('how loud a failed watch request is', () => {
  const initializing = new ApiError({
    status: 429,
    request: 'GET /apis/demo.kopf.dev/v1/widgetclasses?watch=true',
    body: { message: 'storage is (re)initializing' },
  });

  test("a fresh CRD's 'storage is (re)initializing' is debug for 3 attempts, then a warning", () => {
    expect([1, 2, 3, 4].map((attempt) => watchFailureLevel(initializing, attempt))).toEqual([
      'debug',
      'debug',
      'debug',
      'warning',
    ]);
  });

  test('a broken connection is a warning, and any other API error an error at once', () => {
    const throttled = new ApiError({ status: 429, request: 'GET /x', body: { message: 'slow down' } });
    expect(watchFailureLevel(new ApiConnectionError('GET /x', new Error('ECONNRESET')), 1)).toBe('warning');
    expect(watchFailureLevel(throttled, 1)).toBe('error');
  });
});
