/** 200 objects created at once: `kopf run` handles each exactly once. Prints the throughput. */
import path from 'node:path';
import { expect, test } from 'vitest';
import { eventually } from '../../runtime/testing/index.ts';
import { handlerFile, runs, STARTUP_MS, workDir } from './cli-kit.ts';
import { EXAMPLES } from './handlers-kit.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { cluster, client } = scenario;
const COUNT = 200;

test(`${COUNT} objects created at once are each handled exactly once`, async () => {
  const ns = await scenario.namespace('res-bulk');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, function createFn({ name }: { name: string }) { record(name); return { ok: true }; });`,
  );
  const spawned = Date.now();
  const kopf = scenario.spawn(['run', '--standalone', '-n', ns.name, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  // A first object handled means the operator is up and watching: the measurement starts after it.
  await client.create(EXAMPLES, ns.name, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'sentinel' },
    spec: {},
  });
  await eventually(() => runs(runsFile).includes('sentinel'), {
    what: 'the operator to be up',
    intervalMs: 20,
    timeoutMs: STARTUP_MS,
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}; kopf's output:\n${kopf.lines.join('\n')}`);
  });
  console.error(
    `bulk: kopf run handled its first object ${Date.now() - spawned} ms after the process was spawned`,
  );

  const names = Array.from({ length: COUNT }, (_, i) => `obj-${String(i).padStart(3, '0')}`);
  const began = Date.now();
  const queue = [...names];
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        await client.create(EXAMPLES, ns.name, {
          apiVersion: 'kopf.dev/v1',
          kind: 'KopfExample',
          metadata: { name },
          spec: {},
        });
      }
    }),
  );
  const created = Date.now();
  await eventually(
    async () => {
      const { items } = await client.list(EXAMPLES, ns.name);
      return (
        items.filter((o) => (o.status as { createFn?: unknown } | undefined)?.createFn).length === COUNT + 1
      );
    },
    { what: `status.createFn on all ${COUNT} objects`, timeoutMs: 90_000, intervalMs: 250 },
  );
  const handled = Date.now();
  console.error(
    `bulk: created ${COUNT} objects in ${created - began} ms; all handled (status written) ${handled - began} ms after the first create ` +
      `(${((COUNT * 1000) / (handled - began)).toFixed(1)} objects/s)`,
  );
  await new Promise((resolve) => setTimeout(resolve, 1500)); // room for duplicates to show up
  const recorded = runs(runsFile).filter((name) => name !== 'sentinel');
  expect(recorded).toHaveLength(COUNT);
  expect([...recorded].sort()).toEqual(names);
  expect(await kopf.stop()).toBe(0);
});
