/** Which resolved resources are served: those the API can list, watch and (for stateful handlers) patch. */
import { expect, test } from 'vitest';
import type { ResourceInfo } from '../../common/resources.ts';
import type { ApiClient } from '../../runtime/client/types.ts';
import { dropUnsuitable, resolveHandlers, type ServedResource } from '../../runtime/reactor/resolving.ts';
import { abortError } from '../../runtime/structs/timing.ts';
import { changeHandler } from './handler-kit.ts';
import { addLogListener, type LogRecord } from '../../runtime/structs/logging.ts';
import type { ChangingHandler, RawEventHandler } from '../../runtime/processing/handlers.ts';

const info = (plural: string, verbs?: string[]): ResourceInfo => ({
  group: 'example.com',
  version: 'v1',
  plural,
  kind: plural,
  namespaced: true,
  ...(verbs ? { verbs } : {}),
});

function served(resource: ResourceInfo, stateful: boolean): ServedResource {
  return {
    resource,
    handlers: stateful ? [{ id: 'change' } as ChangingHandler] : [],
    kinds: { rawEvents: stateful ? [] : [{ id: 'event' } as RawEventHandler], spawning: [], indexing: [] },
  };
}

test('unwatchable resources are dropped; unpatchable ones only when their handlers store state', () => {
  const records: LogRecord[] = [];
  const unlisten = addLogListener((record) => records.push(record));
  const entries = new Map<string, ServedResource>([
    ['creates.v1.example.com', served(info('creates', ['create']), false)],
    ['reads.v1.example.com', served(info('reads', ['list', 'watch']), false)],
    ['changes.v1.example.com', served(info('changes', ['list', 'watch']), true)],
    ['unknown.v1.example.com', served(info('unknown'), true)],
  ]);
  dropUnsuitable(entries);
  unlisten();
  expect([...entries.keys()]).toEqual(['reads.v1.example.com', 'unknown.v1.example.com']);
  expect(records.map((r) => r.message)).toEqual([
    "Non-watchable resources will not be served (no 'list' or 'watch'): creates.v1.example.com",
    "Non-patchable resources will not be served (no 'patch', but their handlers store state on the objects): changes.v1.example.com",
  ]);
});

test("resolving stopped by another root task's failure does not log that failure as its own", async () => {
  // The client rejects an aborted request with the abort's reason, as the real one does: here the
  // error of another root task that failed and stopped the operator.
  const stopped = new AbortController();
  const client = {
    request: (_method: string, _path: string, options: { signal?: AbortSignal } = {}) =>
      new Promise((_resolve, reject) => {
        const signal = options.signal!;
        signal.addEventListener('abort', () => reject(abortError(signal)), { once: true });
        stopped.abort(new Error('the sharder is not permitted to get the Lease'));
      }),
  } as unknown as ApiClient;
  const records: LogRecord[] = [];
  const unlisten = addLogListener((record) => records.push(record));
  const served = await resolveHandlers(
    client,
    [changeHandler({ selector: 'kopfexamples.kopf.dev' })],
    stopped.signal,
  );
  unlisten();
  expect(served.size).toBe(0);
  expect(records.map((r) => r.message)).toEqual([]);
});
