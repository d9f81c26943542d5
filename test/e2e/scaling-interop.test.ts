/**
 * Interop with Python Kopf 1.44 (from PyPI) on one peering object: both write the same board, and the
 * higher priority pauses the lower, in both directions. The objects' state is shared too, so what one
 * operator handled the other does not handle again.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { pythonKopf } from '../setup/python-kopf.ts';
import { spawnOperator, STARTUP_MS, type KopfProcess } from './cli-kit.ts';
import { cluster, createPeering, installScalingCrds, scene, type Scene } from './scaling-kit.ts';

const PYTHON_HANDLERS = `
import os
import kopf

def record(line):
    with open(os.environ['RUNS_FILE'], 'a') as f:
        f.write(line + '\\n')

@kopf.on.create('kopf.dev', 'v1', 'kopfexamples')
def create(name, **_):
    record(f'start py {name}')
    record(f'end py {name}')
`;

const kopfPython = await pythonKopf();
const skip = 'skip' in kopfPython ? kopfPython.skip : undefined;
if (skip) console.warn(`Skipping the Python Kopf interop tests: ${skip}`);

let current: Scene | undefined;
let python: KopfProcess | undefined;
beforeAll(installScalingCrds);
afterEach(async () => {
  await python?.stop(5000);
  await current?.cleanup();
  current = python = undefined;
});

function startPython(s: Scene, priority: number): KopfProcess {
  if ('skip' in kopfPython) throw new Error(kopfPython.skip);
  const file = path.join(path.dirname(s.runsFile), 'operator.py');
  writeFileSync(file, PYTHON_HANDLERS);
  python = spawnOperator(
    kopfPython.kopf,
    ['run', '--verbose', '-n', s.ns, '--peering', s.peering, '--priority', String(priority), file],
    { KUBECONFIG: cluster.kubeconfig, RUNS_FILE: s.runsFile },
  );
  return python;
}

test.skipIf(skip)(
  'Python Kopf of higher priority pauses kopf-ts; kopf-ts resumes when it leaves',
  async () => {
    const s = (current = await scene('interop-py-high'));
    await createPeering(s.ns, s.peering);
    const ts = s.start('ts', ['--peering', s.peering, '--priority', '10']);
    await ts.waitForLine('Keep-alive in');
    const py = startPython(s, 20);
    await ts.waitForLine(/Pausing operations in favour of \[<Peer [^:]+@[^:]+: priority=20/);
    await s.create('one');
    await s.recorded('end py one');

    expect(await py.stop()).toBe(0);
    await ts.waitForLine('Resuming operations after the pause');
    await s.create('two');
    await s.recorded('end ts two');
    expect(s.runs().filter((line) => line.startsWith('start '))).toEqual(['start py one', 'start ts two']);
  },
);

test.skipIf(skip)(
  'kopf-ts of higher priority pauses Python Kopf; Python Kopf resumes when it leaves',
  async () => {
    const s = (current = await scene('interop-ts-high'));
    await createPeering(s.ns, s.peering);
    const py = startPython(s, 10);
    await py.waitForLine('Keep-alive in', STARTUP_MS);
    const ts = s.start('ts', ['--peering', s.peering, '--priority', '20']);
    await py.waitForLine(/Pausing operations in favour of \[<Peer .*priority=20/);
    await s.create('one');
    await s.recorded('end ts one');

    expect(await ts.stop()).toBe(0);
    await py.waitForLine('Resuming operations after the pause');
    await s.create('two');
    await s.recorded('end py two');
    expect(s.runs().filter((line) => line.startsWith('start '))).toEqual(['start ts one', 'start py two']);
  },
);
