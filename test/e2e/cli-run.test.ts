/**
 * `kopf run` as users run it: a child process loading TypeScript handler files from source. With
 * `--reload`: editing a handler's local import during a run reloads the handlers — the next object is
 * handled by the new code, finished handlers are not re-run, the daemon restarts, the log names the
 * changed file; a file that does not load is reported and the previous handlers keep running until it
 * is fixed.
 */
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { defaultSettings } from '../../runtime/structs/settings.ts';
import { sleep } from '../../runtime/structs/timing.ts';
import { eventually } from '../../runtime/testing/index.ts';
import { countingServer, handlerFile, runs, STARTUP_MS, workDir } from './cli-kit.ts';
import { EXAMPLES } from './handlers-kit.ts';
import { freePort } from '../setup/ports.ts';
import { useOperatorScenario } from './operator-kit.ts';

const scenario = useOperatorScenario();
const { cluster, client, kc } = scenario;

/**
 * The stops below must not wait for the grace period (30 s by default): a stop that waited for it, or
 * for the watch streams' own timeouts, or never ended, takes at least that long. Two thirds of it is
 * the bound, so that a slow stop on a busy machine (seconds) is not mistaken for one of those.
 */
const BELOW_GRACE_MS = (defaultSettings().process.gracefulShutdownTimeout * 1000 * 2) / 3;

async function namespace(prefix: string): Promise<string> {
  return (await scenario.namespace(prefix)).name;
}

test('kopf run loads a TypeScript handler file, takes its options from KOPF_RUN_* variables, and handles an object', async () => {
  const ns = await namespace('cli-run');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, function createFn({ name }: { name: string }) {
      record('create ' + name);
      return { message: 'hello ' + name };
    });`,
  );
  const kopf = scenario.spawn(['run', '--verbose', file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
    KOPF_RUN_NAMESPACE: ns,
    KOPF_RUN_STANDALONE: 'true',
  });
  await client.create(EXAMPLES, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'one' },
    spec: {},
  });
  const object = await eventually(
    async () => {
      const o = await client.get(EXAMPLES, ns, 'one');
      return (o.status as { createFn?: unknown } | undefined)?.createFn ? o : undefined;
    },
    { what: 'the handler result in status', timeoutMs: STARTUP_MS },
  );
  expect(object.status).toEqual({ createFn: { message: 'hello one' } });
  expect(runs(runsFile)).toEqual(['create one']);
  expect(await kopf.stop()).toBe(0);
});

test('a handler file with a syntax error exits non-zero naming the file, before connecting anywhere', async () => {
  const dir = workDir();
  // The operator must not reach it.
  const server = await countingServer(dir);
  scenario.defer(() => server.close());
  const good = handlerFile(
    dir,
    `kopf.on.create(examples, function noopFn() { return undefined; });`,
    'good.ts',
  );
  const broken = handlerFile(dir, `kopf.on.create(examples, () => { return {; });`, 'broken.ts');
  const kopf = scenario.spawn(['run', '-A', '--standalone', good, broken], {
    KUBECONFIG: server.kubeconfig,
    RUNS_FILE: '/dev/null',
  });
  const code = await kopf.exited;
  expect(code).toBe(1);
  const output = kopf.lines.join('\n');
  expect(output).toContain(`failed to load ${broken}`);
  expect(output).toMatch(/SyntaxError|ERR_INVALID_TYPESCRIPT_SYNTAX/);
  // The source line and the caret under the fault, without Node's internal stack frames.
  expect(output).toContain('kopf.on.create(examples, () => { return {; });');
  expect(output).toMatch(/^\s*\^$/m);
  expect(output).not.toMatch(/^\s+at /m);
  expect(server.connections()).toBe(0);
});

/**
 * `kopf run -A --standalone` of a handler file that must fail before connecting: its cluster is a
 * server that only counts connections. Resolves once kopf exited.
 */
async function runFailingEarly(body: string) {
  const dir = workDir();
  const server = await countingServer(dir);
  scenario.defer(() => server.close());
  const file = handlerFile(dir, body);
  const kopf = scenario.spawn(['run', '-A', '--standalone', file], {
    KUBECONFIG: server.kubeconfig,
    RUNS_FILE: '/dev/null',
  });
  const code = await kopf.exited;
  return { code, file, output: kopf.lines.join('\n'), connections: server.connections() };
}

test('a bad handler option exits 1 with the handler id and the option, before connecting anywhere', async () => {
  const run = await runFailingEarly(`kopf.on.create(examples, function createFn() {}, { backoff: -5 });`);
  expect(run.code).toBe(1);
  expect(run.output).toContain(`failed to load ${run.file}`);
  expect(run.output).toContain(
    "The create handler 'createFn': option `backoff` must be a number of seconds ≥ 0, not -5.",
  );
  // The only frame left is the registration in the user's file.
  expect(run.output.match(/^\s+at .*$/gm)).toEqual([expect.stringContaining(`${run.file}:`)]);
  expect(run.connections).toBe(0);
});

test('bad settings from a startup handler exit 1 listing every problem, before connecting anywhere', async () => {
  const run = await runFailingEarly(
    `kopf.on.startup(function configure({ settings }: { settings: kopf.OperatorSettings }) {
      Object.assign(settings.persistence, { diffbaseStorage: 'Status' });
      settings.peering.lifetime = -1;
    });
    kopf.on.create(examples, function noopFn() { return undefined; });`,
  );
  expect(run.code).toBe(1);
  expect(run.output).toContain('The operator settings are invalid:');
  expect(run.output).toContain('settings.peering.lifetime is -1: must be a number of seconds > 0');
  expect(run.output).toContain(
    "settings.persistence.diffbaseStorage is 'Status': must be 'annotations', 'status', or a non-empty list of them",
  );
  expect(run.output).not.toMatch(/^\s+at /m); // The list says it all; no stack of our internals.
  expect(run.connections).toBe(0);
});

test('SIGTERM while a handler runs: the handler finishes, its outcome is persisted, and kopf exits 0', async () => {
  const ns = await namespace('cli-term');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, async function slowFn({ name }: { name: string }) {
      record('start ' + name);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      record('end ' + name);
      return { done: true };
    });`,
  );
  const kopf = scenario.spawn(['run', '--standalone', '-n', ns, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  await client.create(EXAMPLES, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'slow' },
    spec: {},
  });
  await eventually(() => runs(runsFile).includes('start slow'), {
    what: 'the handler to start',
    timeoutMs: STARTUP_MS,
  });
  const began = Date.now();
  expect(await kopf.stop(BELOW_GRACE_MS)).toBe(0);
  const stoppedIn = Date.now() - began;
  expect(runs(runsFile)).toEqual(['start slow', 'end slow']);
  const object = await client.get(EXAMPLES, ns, 'slow');
  expect(object.status).toEqual({ slowFn: { done: true } });
  expect(object.metadata?.annotations?.['kopf.zalando.org/slowFn']).toBeUndefined(); // progress purged: done
  expect(stoppedIn).toBeLessThan(BELOW_GRACE_MS);
});

test('kopf run serves the liveness endpoint while it runs', async () => {
  const port = await freePort();
  const dir = workDir();
  const file = handlerFile(dir, `kopf.on.create(examples, function noopFn() { return undefined; });`);
  const ns = await namespace('cli-live');
  const kopf = scenario.spawn(
    ['run', '--standalone', '-n', ns, '--liveness', `http://127.0.0.1:${port}/healthz`, file],
    {
      KUBECONFIG: cluster.kubeconfig,
      RUNS_FILE: '/dev/null',
    },
  );
  const answer = await eventually(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.status === 200 ? await response.json() : undefined;
    },
    { what: 'the liveness endpoint', timeoutMs: STARTUP_MS },
  );
  expect(answer).toEqual({});
  expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
  expect(await kopf.stop()).toBe(0);
});

test('after SIGTERM, kopf exits even if a handler file keeps a timer running', async () => {
  const ns = await namespace('cli-timer');
  const dir = workDir();
  const file = handlerFile(
    dir,
    `setInterval(() => undefined, 1000); // keeps the event loop alive forever
    kopf.on.create(examples, function noopFn() { return undefined; });`,
  );
  const kopf = scenario.spawn(['run', '--standalone', '-v', '-n', ns, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: '/dev/null',
  });
  await client.create(EXAMPLES, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'x' },
    spec: {},
  });
  await kopf.waitForLine("Handler 'noopFn' succeeded");
  const began = Date.now();
  expect(await kopf.stop(BELOW_GRACE_MS)).toBe(0);
  expect(Date.now() - began).toBeLessThan(BELOW_GRACE_MS);
});

test('kopf run -n with a glob serves namespaces that appear after the start', async () => {
  const tag = Math.random().toString(16).slice(2, 8);
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, function createFn({ namespace, name }: { namespace: string; name: string }) {
      record(namespace + '/' + name);
    });`,
  );
  const kopf = scenario.spawn(['run', '--standalone', '-n', `glob-${tag}-*,!*-skip`, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  const served = `glob-${tag}-late`;
  const skipped = `glob-${tag}-skip`;
  for (const name of [served, skipped]) {
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    scenario.defer(() =>
      kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name })
        .catch(() => undefined),
    );
  }
  const body = { apiVersion: 'kopf.dev/v1', kind: 'KopfExample', metadata: { name: 'x' }, spec: {} };
  await client.create(EXAMPLES, skipped, body);
  await client.create(EXAMPLES, served, body);
  await eventually(() => runs(runsFile).includes(`${served}/x`), {
    what: 'the object in the new namespace',
    timeoutMs: STARTUP_MS,
  });
  expect(await kopf.stop()).toBe(0);
  expect(runs(runsFile)).toEqual([`${served}/x`]);
});

test('a second SIGTERM exits at once, even while a handler hangs', async () => {
  const ns = await namespace('cli-twice');
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.create(examples, async function hangFn() { record('hanging'); await new Promise(() => undefined); });`,
  );
  const kopf = scenario.spawn(['run', '--standalone', '-n', ns, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  await client.create(EXAMPLES, ns, {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'x' },
    spec: {},
  });
  await eventually(() => runs(runsFile).includes('hanging'), {
    what: 'the handler to hang',
    timeoutMs: STARTUP_MS,
  });
  kopf.child.kill('SIGTERM');
  await kopf.waitForLine('Operator is stopping');
  const began = Date.now();
  kopf.child.kill('SIGTERM');
  expect(await kopf.exited).toBe(143); // the second signal's exit, not the end of the grace period
  expect(Date.now() - began).toBeLessThan(BELOW_GRACE_MS);
});

test('an operator with only startup and cleanup handlers keeps running until stopped, then cleans up', async () => {
  const dir = workDir();
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.startup(function started() { record('startup'); });
    kopf.on.cleanup(function cleaned() { record('cleanup'); });`,
  );
  const kopf = scenario.spawn(['run', '--verbose', file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
    KOPF_RUN_ALL_NAMESPACES: 'true',
    KOPF_RUN_STANDALONE: 'true',
  });
  await kopf.waitForLine('No resources are served');
  // Nothing holds the event loop open by itself here: the operator must, until it is stopped.
  const early = await Promise.race([kopf.exited, sleep(3).then(() => 'running' as const)]);
  expect(early, kopf.lines.join('\n')).toBe('running');
  expect(runs(runsFile)).toEqual(['startup']);
  expect(await kopf.stop()).toBe(0);
  expect(runs(runsFile)).toEqual(['startup', 'cleanup']);
});

test('an edited handler module is reloaded: new objects get the new code, finished handlers stay finished', async () => {
  const ns = await namespace('cli-reload');
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
  // --reload: a supervisor process, and the operator in a child of it that is replaced on changes.
  const kopf = scenario.spawn(['run', '--reload', '--standalone', '-n', ns, file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  // A graceful stop: the supervisor stops its child, which runs its cleanup.
  scenario.defer(() => kopf.stop());
  const create = (name: string) =>
    client.create(EXAMPLES, ns, {
      apiVersion: 'kopf.dev/v1',
      kind: 'KopfExample',
      metadata: { name },
      spec: {},
    });
  /** Waits for a line the supervisor logs from now on (an earlier reload's line does not count). */
  const logsFromNow = () => {
    const from = kopf.lines.length;
    return (pattern: RegExp) =>
      eventually(() => kopf.lines.slice(from).some((line: string) => pattern.test(line)), {
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

test('a --reload supervisor killed with SIGKILL does not leave its operator running orphaned', async () => {
  const dir = workDir('kopf-reload-orphan-');
  const runsFile = path.join(dir, 'runs.log');
  const file = handlerFile(
    dir,
    `kopf.on.startup(function started() { record('startup'); });
    kopf.on.cleanup(function cleaned() { record('cleanup'); });`,
  );
  const kopf = scenario.spawn(['run', '--reload', '--standalone', '-A', file], {
    KUBECONFIG: cluster.kubeconfig,
    RUNS_FILE: runsFile,
  });
  await eventually(() => runs(runsFile).includes('startup'), {
    what: 'the startup handler',
    timeoutMs: STARTUP_MS,
  });
  const supervisor = kopf.child.pid!;
  const [operator] = readFileSync(`/proc/${supervisor}/task/${supervisor}/children`, 'utf8')
    .trim()
    .split(/\s+/);
  expect(operator, 'the operator runs in a child of the supervisor').toMatch(/^\d+$/);

  kopf.child.kill('SIGKILL');
  // The orphan notices the closed channel and stops the usual way: its cleanup handler runs.
  await eventually(() => runs(runsFile).includes('cleanup'), {
    what: 'the cleanup handler',
    timeoutMs: STARTUP_MS,
  });
  await eventually(() => !isRunning(Number(operator)), { what: `the operator (pid ${operator}) to exit` });
});

/** A process that exited but was not reaped yet (a zombie) no longer runs. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
