/** Which resolved resources are served: those the API can list, watch and (for stateful handlers) patch. */
import { expect, test } from 'vitest';
import type { ResourceInfo } from '../../common/resources.ts';
import { dropUnsuitable, type ServedResource } from '../../runtime/reactor/resolving.ts';
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
