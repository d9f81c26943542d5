/**
 * The operator process is SIGKILLed while an object is halfway through three handlers, then
 * restarted: finished handlers do not run again, the unfinished one does, and after success nothing
 * runs again — not even after another restart.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { eventually } from '../../runtime/testing/index.ts';
import { handlerFile, runs, STARTUP_MS, workDir } from './cli-kit.ts';
import { EXAMPLES } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { cluster, client } = scenario;

test('after a SIGKILL mid-way through three handlers, a restarted operator resumes exactly where it stopped', async () => {
  const ns = await scenario.namespace('res-kill');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const blockFile = path.join(dir, 'block');
  writeFileSync(blockFile, '');
  const file = handlerFile(
    dir,
    `import { existsSync } from 'node:fs';
    kopf.on.create(examples, function first({ name }: { name: string }) { record('first ' + name); return { ok: 1 }; });
    kopf.on.create(examples, async function second({ name }: { name: string }) {
      record('second started ' + name);
      if (existsSync(process.env.BLOCK_FILE!)) await new Promise(() => undefined); // hangs until killed
      record('second ' + name);
      return { ok: 2 };
    });
    kopf.on.create(examples, function third({ name }: { name: string }) { record('third ' + name); return { ok: 3 }; });`,
  );
  const start = () =>
    scenario.spawn(['run', '--standalone', '--verbose', '-n', ns.name, file], {
      KUBECONFIG: cluster.kubeconfig,
      RUNS_FILE: runsFile,
      BLOCK_FILE: blockFile,
    });

  const first = start();
  await client.create(EXAMPLES, ns.name, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'obj' },
    spec: {},
  });
  await eventually(() => runs(runsFile).includes('second started obj'), {
    what: 'the second handler to start',
    timeoutMs: STARTUP_MS,
  });
  first.child.kill('SIGKILL');
  expect(await first.exited).toBeNull(); // killed by the signal, no chance to persist anything more
  expect(runs(runsFile)).toEqual(['first obj', 'second started obj']);

  rmSync(blockFile);
  const second = start();
  const done = await eventually(
    async () => {
      const o = await client.get(EXAMPLES, ns.name, 'obj');
      const status = (o.status ?? {}) as Record<string, unknown>;
      return status.third ? status : undefined;
    },
    { what: 'all three handlers to succeed', timeoutMs: STARTUP_MS },
  );
  expect(done).toEqual({ first: { ok: 1 }, second: { ok: 2 }, third: { ok: 3 } });
  await second.waitForLine('Creation is processed');
  expect(await second.stop()).toBe(0);

  // A third start sees the object as handled: nothing runs again.
  const third = start();
  await third.waitForLine('Resuming is in progress');
  await new Promise((resolve) => setTimeout(resolve, 1000)); // room for a wrong re-run to show up
  expect(await third.stop()).toBe(0);
  expect(runs(runsFile)).toEqual([
    'first obj',
    'second started obj',
    'second started obj',
    'second obj',
    'third obj',
  ]);
  expect(existsSync(blockFile)).toBe(false);
});
