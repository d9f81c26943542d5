/**
 * `kopf run --reload`: editing a handler's local import during a run reloads the handlers — the next
 * object is handled by the new code, finished handlers are not re-run, the daemon restarts, the log
 * names the changed file; a file that does not load is reported and the previous handlers keep running
 * until it is fixed.
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { createApiClient } from '../../runtime/client/index.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { eventually, freshNamespace } from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { handlerFile, runs, spawnKopf, STARTUP_MS, workDir } from './cli-kit.ts';
import { installCrd } from './handlers-kit.ts';

const cluster = testCluster();
const kc = cluster.kubeConfig();
const client = createApiClient(kc, makeSettings());
const examples = {
  group: 'kopf.dev',
  version: 'v1',
  plural: 'kopfexamples',
  kind: 'KopfExample',
  namespaced: true,
} as const;
const cleanups: Array<() => unknown> = [];

beforeAll(() => installCrd(kc));
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

test('an edited handler module is reloaded: new objects get the new code, finished handlers stay finished', async () => {
  const ns = await freshNamespace(kc, 'cli-reload');
  cleanups.push(() => ns.delete());
  const dir = workDir('kopf-reload-');
  const runsFile = path.join(dir, 'runs.log');
  const version = (text: string) => writeFileSync(path.join(dir, 'version.ts'), text);
  version("export const VERSION = 'v1';\n");
  const file = handlerFile(
    dir,
    `import { VERSION } from './version.ts';
    kopf.on.create(examples, function createFn({ name }: { name: string }) {
      record(VERSION + ' create ' + name);
    });
    kopf.daemon(examples, async function watchFn({ name, stopped }: { name: string; stopped: kopf.DaemonStopped }) {
      record(VERSION + ' daemon ' + name);
      await stopped.wait(3600);
    });`,
  );
  const kopf = spawnKopf(['run', '--reload', '--standalone', '-n', ns.name, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  cleanups.push(() => kopf.stop());
  const create = (name: string) =>
    client.create(examples, ns.name, {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name },
      spec: {},
    });
  /** Waits for a line the supervisor logs from now on (an earlier reload's line does not count). */
  const logsFromNow = () => {
    const from = kopf.lines.length;
    return (pattern: RegExp) =>
      eventually(() => kopf.lines.slice(from).some((line) => pattern.test(line)), {
        what: `${pattern} in:\n${kopf.lines.slice(from).join('\n')}`,
        timeoutMs: STARTUP_MS,
      });
  };
  const recorded = (line: string) =>
    eventually(() => runs(runsFile).includes(line), {
      what: `"${line}" in ${runs(runsFile).join(', ')}`,
      timeoutMs: STARTUP_MS,
    });

  await create('first');
  await recorded('v1 create first');
  await recorded('v1 daemon first');

  let logged = logsFromNow();
  version("export const VERSION = 'v2';\n");
  await logged(/version\.ts changed; reloading the handlers\./);
  await recorded('v2 daemon first'); // the daemon restarted with the new code
  await create('second');
  await recorded('v2 create second');

  version('export const VERSION = ;\n');
  await kopf.waitForLine(
    /version\.ts changed, but the handlers do not load; the previous handlers keep running/,
  );
  await create('third');
  await recorded('v2 create third');

  logged = logsFromNow();
  version("export const VERSION = 'v3';\n");
  await logged(/version\.ts changed; reloading the handlers\./);
  await recorded('v3 daemon first');
  await create('fourth');
  await recorded('v3 create fourth');

  expect(await kopf.stop()).toBe(0);
  expect(kopf.lines.join('\n')).not.toMatch(/The operator exited with code/);
  const creates = runs(runsFile).filter((line) => line.includes(' create '));
  // Every object was created once, by the code of its time: no finished handler ran again.
  expect(creates).toEqual(['v1 create first', 'v2 create second', 'v2 create third', 'v3 create fourth']);
});
