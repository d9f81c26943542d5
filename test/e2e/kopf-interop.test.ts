/**
 * Python Kopf 1.44 (from PyPI) and kopf-ts hand objects over to each other: the same handlers (same
 * ids) run in both; one implementation creates an object and is killed (or stopped), the other takes over. Finished
 * handlers never run again, the next update gets the right diff from the other's diff-base, deletion
 * is handled across, and both write the same progress records: Kopf's key order, microsecond
 * timestamps, and a distinct `started` per handler.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
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
  start(namespace: string, runsFile: string): KopfProcess;
}

const SIDES: Record<'kopf' | 'ts', Side> = {
  kopf: {
    name: 'kopf',
    start(namespace, runsFile) {
      if ('skip' in kopfPy) throw new Error(kopfPy.skip);
      const file = path.join(path.dirname(runsFile), 'handlers.py');
      writeFileSync(file, PYTHON_HANDLERS);
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
    start(namespace, runsFile) {
      const file = handlerFile(path.dirname(runsFile), TS_HANDLERS);
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

async function annotationsOf(namespace: string, name: string): Promise<Record<string, string>> {
  const object = await client.get(examples, namespace, name);
  return object.metadata?.annotations ?? {};
}

/** The progress records of create_a and create_b at the moment create_b waits for its retry. */
async function progressWhileRetrying(namespace: string, name: string, side: Side) {
  return eventually(
    async () => {
      const annotations = await annotationsOf(namespace, name);
      const b = annotations[`${PREFIX}/create_b`];
      const a = annotations[`${PREFIX}/create_a`];
      if (!a || !b || !JSON.parse(b).delayed) return undefined;
      return { a: JSON.parse(a) as Record<string, unknown>, b: JSON.parse(b) as Record<string, unknown> };
    },
    { what: `create_b delayed by ${side.name}`, timeoutMs: STARTUP_MS, intervalMs: 100 },
  );
}

async function fullyHandled(namespace: string, name: string, side: Side): Promise<Record<string, string>> {
  return eventually(
    async () => {
      const annotations = await annotationsOf(namespace, name);
      const progress = Object.keys(annotations).filter((key) => /\/create_[ab]$/.test(key));
      return annotations[`${PREFIX}/last-handled-configuration`] && progress.length === 0
        ? annotations
        : undefined;
    },
    { what: `the creation fully handled by ${side.name}`, timeoutMs: STARTUP_MS },
  );
}

/**
 * `first` creates the object and is killed once it is handled; `second` takes over, handles an update
 * and the deletion. Returns the progress records seen during the creation and the annotations after it.
 */
async function handOver(first: Side, second: Side, ending: 'killed' | 'stopped') {
  const ns = await freshNamespace(kc, `interop-${first.name}`);
  cleanups.push(() => ns.delete());
  const namespace = ns.name;
  const dir = workDir('kopf-interop-');
  const runsFile = path.join(dir, 'runs.log');
  const name = 'handed-over';

  const one = first.start(namespace, runsFile);
  await client.create(examples, namespace, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name },
    spec: { field: 'a' },
  });
  const progress = await progressWhileRetrying(namespace, name, first);
  const handled = await fullyHandled(namespace, name, first);
  if (ending === 'killed') {
    one.child.kill('SIGKILL');
    await one.exited;
  } else {
    expect(await one.stop()).toBe(0);
  }

  const two = second.start(namespace, runsFile);
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

describe('hand-over between Python Kopf 1.44 and kopf-ts', () => {
  const results: Partial<Record<'kopf' | 'ts', Awaited<ReturnType<typeof handOver>>>> = {};

  test.skipIf(skip).each([
    ['Kopf', 'killed', 'kopf-ts', SIDES.kopf, SIDES.ts],
    ['kopf-ts', 'killed', 'Kopf', SIDES.ts, SIDES.kopf],
    ['Kopf', 'stopped', 'kopf-ts', SIDES.kopf, SIDES.ts],
    ['kopf-ts', 'stopped', 'Kopf', SIDES.ts, SIDES.kopf],
  ] as const)(
    '%s creates and is %s; %s re-runs nothing, gets the right diff, and handles the deletion',
    { timeout: 240_000 },
    async (_first, ending, _second, first, second) => {
      const result = await handOver(first, second, ending);
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
    'both write the same progress records: key order, microseconds, a distinct started per handler',
    () => {
      const kopf = results.kopf;
      const ts = results.ts;
      if (!kopf || !ts) throw new Error('the hand-over tests above did not finish');
      for (const { progress } of [kopf, ts]) {
        expect(progress.a.started).toMatch(MICROSECONDS);
        expect(progress.b.started).toMatch(MICROSECONDS);
        expect(progress.b.delayed).toMatch(MICROSECONDS);
        expect(progress.a.started).not.toBe(progress.b.started);
      }
      expect(Object.keys(ts.progress.a)).toEqual(Object.keys(kopf.progress.a));
      expect(Object.keys(ts.progress.b)).toEqual(Object.keys(kopf.progress.b));
      expect({ ...ts.progress.b, started: '', delayed: '' }).toEqual({
        ...kopf.progress.b,
        started: '',
        delayed: '',
      });
      // The diff-base both leave behind for the same object is byte-identical.
      expect(ts.handled[`${PREFIX}/last-handled-configuration`]).toBe(
        kopf.handled[`${PREFIX}/last-handled-configuration`],
      );
    },
  );
});
