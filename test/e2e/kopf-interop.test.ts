/**
 * Python Kopf 1.44 (from PyPI) and kopf-ts hand objects over to each other: the same handlers (same
 * ids) run in both; one implementation creates an object and is killed (or stopped), the other takes over. Finished
 * handlers never run again, the next update gets the right diff from the other's diff-base, deletion
 * is handled across, and both write the same progress records: Kopf's key order, microsecond
 * timestamps, and a distinct `started` per handler. Once with the default storages (annotations), once
 * with both configured to store in the status (Kopf's StatusProgressStorage + StatusDiffBaseStorage).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
import type { KubernetesObject } from '../../runtime/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { eventually, freshNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { pythonKopf, type PythonKopf } from '../setup/python-kopf.ts';
import {
  handlerFile,
  runs,
  spawnKopf,
  spawnOperator,
  STARTUP_MS,
  workDir,
  type KopfProcess,
} from './cli-kit.ts';
import { EXAMPLES as examples, installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const client = createApiClient(kc, makeSettings());
const PREFIX = 'kopf.zalando.org';
const cleanups: Array<() => unknown> = [];

type ProgressRecord = Record<string, unknown>;

/** Where both implementations keep the state, configured alike on both sides. */
interface Storage {
  /** Lines appended to the Python handlers (a startup handler that sets the storages). */
  python: string;
  /** Lines appended to the TypeScript handlers. */
  ts: string;
  /** The progress record of a handler, if there is one. */
  progress(object: KubernetesObject, id: string): ProgressRecord | undefined;
  /** The stored diff-base text, if there is one. */
  diffbase(object: KubernetesObject): string | undefined;
  /** The annotations a fully handled object keeps. */
  annotations: string[];
}

function parsed(text: string | undefined): ProgressRecord | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as ProgressRecord);
}

const STORAGES: Record<'annotations' | 'status', Storage> = {
  annotations: {
    python: '',
    ts: '',
    progress: (object, id) => parsed(object.metadata?.annotations?.[`${PREFIX}/${id}`]),
    diffbase: (object) => object.metadata?.annotations?.[`${PREFIX}/last-handled-configuration`],
    annotations: [`${PREFIX}/last-handled-configuration`],
  },
  status: {
    python: `
@kopf.on.startup()
def configure(settings, **_):
    settings.persistence.progress_storage = kopf.StatusProgressStorage()
    settings.persistence.diffbase_storage = kopf.StatusDiffBaseStorage()
`,
    ts: `
kopf.on.startup(function configure({ settings }) {
  settings.persistence.progressStorage = 'status';
  settings.persistence.diffbaseStorage = 'status';
});
`,
    progress: (object, id) => kopfStatus(object).progress?.[id],
    diffbase: (object) => kopfStatus(object)['last-handled-configuration'],
    annotations: [],
  },
};

function kopfStatus(object: KubernetesObject): {
  progress?: Record<string, ProgressRecord | undefined>;
  'last-handled-configuration'?: string;
} {
  return (object as { status?: { kopf?: ReturnType<typeof kopfStatus> } }).status?.kopf ?? {};
}

/** The handlers, in Python; each records `kopf <id> [diff]` in $RUNS_FILE when it succeeds. */
const PYTHON_HANDLERS = `
import json, os
import kopf

def record(line):
    with open(os.environ['RUNS_FILE'], 'a') as f:
        f.write(line + '\\n')

@kopf.on.create('kopfexamples.kopf.dev')
def create_a(**_):
    record('kopf create_a')
    return {'by': 'kopf'}

@kopf.on.create('kopfexamples.kopf.dev')
def create_b(retry, **_):
    if retry == 0:
        raise kopf.TemporaryError('once more', delay=3)
    record('kopf create_b')

@kopf.on.update('kopfexamples.kopf.dev')
def update_fn(diff, **_):
    record('kopf update_fn ' + json.dumps([list(item) for item in diff], separators=(',', ':')))

@kopf.on.delete('kopfexamples.kopf.dev')
def delete_fn(**_):
    record('kopf delete_fn')
`;

/** The same handlers, with the same ids, in TypeScript. */
const TS_HANDLERS = `
kopf.on.create(examples, function create_a() {
  record('ts create_a');
  return { by: 'kopf-ts' };
});
kopf.on.create(examples, function create_b({ retry }) {
  if (retry === 0) throw new kopf.TemporaryError('once more', { delay: 3 });
  record('ts create_b');
});
kopf.on.update(examples, function update_fn({ diff }) {
  record('ts update_fn ' + JSON.stringify(diff));
});
kopf.on.delete(examples, function delete_fn() {
  record('ts delete_fn');
});
`;

// Known before the tests are collected, so that they can be skipped with the reason printed.
const kopfPy: PythonKopf = await pythonKopf();
const skip = 'skip' in kopfPy;
if ('skip' in kopfPy) console.log(`skipping the Kopf interop tests: ${kopfPy.skip}`);

beforeAll(() => (skip ? undefined : installCrd(kc)));

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Side {
  name: 'kopf' | 'ts';
  start(namespace: string, runsFile: string, storage: Storage): KopfProcess;
}

const SIDES: Record<'kopf' | 'ts', Side> = {
  kopf: {
    name: 'kopf',
    start(namespace, runsFile, storage) {
      if ('skip' in kopfPy) throw new Error(kopfPy.skip);
      const file = path.join(path.dirname(runsFile), 'handlers.py');
      writeFileSync(file, PYTHON_HANDLERS + storage.python);
      return track(
        spawnOperator(kopfPy.kopf, ['run', '--standalone', '--namespace', namespace, file], {
          KUBECONFIG: cluster.kubeconfig,
          RUNS_FILE: runsFile,
        }),
      );
    },
  },
  ts: {
    name: 'ts',
    start(namespace, runsFile, storage) {
      const file = handlerFile(path.dirname(runsFile), TS_HANDLERS + storage.ts);
      return track(
        spawnKopf(['run', '--standalone', '--namespace', namespace, file], {
          KUBECONFIG: cluster.kubeconfig,
          RUNS_FILE: runsFile,
        }),
      );
    },
  },
};

function track(process: KopfProcess): KopfProcess {
  cleanups.push(() => {
    if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
    return process.exited;
  });
  return process;
}

/** The progress records of create_a and create_b at the moment create_b waits for its retry. */
async function progressWhileRetrying(namespace: string, name: string, side: Side, storage: Storage) {
  return eventually(
    async () => {
      const object = await client.get(examples, namespace, name);
      const a = storage.progress(object, 'create_a');
      const b = storage.progress(object, 'create_b');
      return a && b?.['delayed'] ? { a, b } : undefined;
    },
    { what: `create_b delayed by ${side.name}`, timeoutMs: STARTUP_MS, intervalMs: 100 },
  );
}

/** The object once the creation is fully handled: the diff-base stored, no progress left. */
async function fullyHandled(namespace: string, name: string, side: Side, storage: Storage) {
  return eventually(
    async () => {
      const object = await client.get(examples, namespace, name);
      const progress = ['create_a', 'create_b'].filter((id) => storage.progress(object, id));
      return storage.diffbase(object) && progress.length === 0 ? object : undefined;
    },
    { what: `the creation fully handled by ${side.name}`, timeoutMs: STARTUP_MS },
  );
}

/**
 * `first` creates the object and is killed once it is handled; `second` takes over, handles an update
 * and the deletion. Returns the progress records seen during the creation and the object after it.
 */
async function handOver(first: Side, second: Side, ending: 'killed' | 'stopped', storage: Storage) {
  const ns = await freshNamespace(kc, `interop-${first.name}`);
  cleanups.push(() => ns.delete());
  const namespace = ns.name;
  const dir = workDir('kopf-interop-');
  const runsFile = path.join(dir, 'runs.log');
  const name = 'handed-over';

  const one = first.start(namespace, runsFile, storage);
  await client.create(examples, namespace, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name },
    spec: { field: 'a' },
  });
  const progress = await progressWhileRetrying(namespace, name, first, storage);
  const handled = await fullyHandled(namespace, name, first, storage);
  if (ending === 'killed') {
    one.child.kill('SIGKILL');
    await one.exited;
  } else {
    expect(await one.stop()).toBe(0);
  }

  const two = second.start(namespace, runsFile, storage);
  await client.patch(examples, namespace, name, { spec: { field: 'b' } }, { type: 'merge' });
  await eventually(() => runs(runsFile).some((line) => line.startsWith(`${second.name} update_fn`)), {
    what: `update_fn in ${second.name}\n${two.lines.join('\n')}`,
    timeoutMs: STARTUP_MS,
  });
  await client.delete(examples, namespace, name);
  await eventually(
    async () => {
      try {
        await client.get(examples, namespace, name);
        return false;
      } catch {
        return true;
      }
    },
    { what: `the object released by ${second.name}\n${two.lines.join('\n')}`, timeoutMs: STARTUP_MS },
  );
  await two.stop();
  return { progress, handled, runs: runs(runsFile) };
}

const MICROSECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

type Direction = readonly [string, 'killed' | 'stopped', string, Side, Side];
const KOPF_KILLED: Direction = ['Kopf', 'killed', 'kopf-ts', SIDES.kopf, SIDES.ts];
const TS_KILLED: Direction = ['kopf-ts', 'killed', 'Kopf', SIDES.ts, SIDES.kopf];
const KOPF_STOPPED: Direction = ['Kopf', 'stopped', 'kopf-ts', SIDES.kopf, SIDES.ts];
const TS_STOPPED: Direction = ['kopf-ts', 'stopped', 'Kopf', SIDES.ts, SIDES.kopf];

/** The hand-overs in the given directions, then the comparison of what both sides wrote. */
function handOvers(storage: Storage, directions: readonly Direction[]): void {
  const results: Partial<Record<'kopf' | 'ts', Awaited<ReturnType<typeof handOver>>>> = {};

  test.skipIf(skip).each(directions)(
    '%s creates and is %s; %s re-runs nothing, gets the right diff, and handles the deletion',
    { timeout: 240_000 },
    async (_first, ending, _second, first, second) => {
      const result = await handOver(first, second, ending, storage);
      results[first.name] ??= result;
      expect(result.runs).toEqual([
        `${first.name} create_a`,
        `${first.name} create_b`,
        `${second.name} update_fn [["change",["spec","field"],"a","b"]]`,
        `${second.name} delete_fn`,
      ]);
    },
  );

  test.skipIf(skip)(
    'both write the same progress records (key order, microseconds, a distinct started per handler) and diff-base',
    () => {
      const kopf = results.kopf;
      const ts = results.ts;
      if (!kopf || !ts) throw new Error('the hand-over tests above did not finish');
      for (const { progress } of [kopf, ts]) {
        expect(progress.a['started']).toMatch(MICROSECONDS);
        expect(progress.b['started']).toMatch(MICROSECONDS);
        expect(progress.b['delayed']).toMatch(MICROSECONDS);
        expect(progress.a['started']).not.toBe(progress.b['started']);
      }
      expect(Object.keys(ts.progress.a)).toEqual(Object.keys(kopf.progress.a));
      expect(Object.keys(ts.progress.b)).toEqual(Object.keys(kopf.progress.b));
      expect({ ...ts.progress.b, started: '', delayed: '' }).toEqual({
        ...kopf.progress.b,
        started: '',
        delayed: '',
      });
      // The diff-base both leave behind for the same object is byte-identical.
      expect(storage.diffbase(ts.handled)).toBe(storage.diffbase(kopf.handled));
      // Neither side wrote anything else into the annotations.
      expect(Object.keys(ts.handled.metadata?.annotations ?? {})).toEqual(storage.annotations);
      expect(Object.keys(kopf.handled.metadata?.annotations ?? {})).toEqual(storage.annotations);
    },
  );
}

describe('hand-over between Python Kopf 1.44 and kopf-ts', () => {
  handOvers(STORAGES.annotations, [KOPF_KILLED, TS_KILLED, KOPF_STOPPED, TS_STOPPED]);
});

describe('hand-over with both storages in the status (StatusProgressStorage + StatusDiffBaseStorage)', () => {
  // The stopped directions differ from the killed ones only in how the first operator ends, which the
  // storages do not touch: the killed ones suffice here.
  handOvers(STORAGES.status, [KOPF_KILLED, TS_KILLED]);
});
