/** The contenders: how each is prepared (installed/built once per machine) and started. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kopfVenv as venv, pythonKopf } from '../../test/setup/python-kopf.ts';

export const benchDir = path.resolve(import.meta.dirname, '..');
export const repoRoot = path.resolve(benchDir, '..');
/** Beside the shared Kopf venv, so that the tests' Kopf stays exactly what PyPI's kopf pulls in. */
const uvloopDir = path.join(venv, 'uvloop-extra');

export interface StartContext {
  /** Admin kubeconfig of the local cluster. */
  kubeconfig: string;
  /** JSON file {url, ca, clientCert, clientKey} for the raw client. */
  clusterJson: string;
  /** Where the contender publishes its handler-run count. */
  counterFile: string;
  /** Where its stdout/stderr go. */
  logFile: string;
  /** For the raw limit: the calls to make per object. */
  rawCalls?: string;
  /** For kopf-ts: write a V8 CPU profile into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
}

export interface Prepared {
  version: string;
  notes?: string;
}

export interface Contender {
  id: string;
  title: string;
  /** Install/build as needed; throws with a reason when the contender cannot run here. */
  prepare(progress: (line: string) => void): Promise<Prepared>;
  start(context: StartContext): ChildProcess;
}

function run(
  command: string,
  args: string[],
  progress: (line: string) => void,
  options: { env?: Record<string, string> } = {},
): string {
  progress(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    maxBuffer: 64 << 20,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || '').slice(-2000)}`,
    );
  }
  return result.stdout;
}

function launch(
  command: string,
  args: string[],
  context: StartContext,
  env: Record<string, string> = {},
): ChildProcess {
  const log = openSync(context.logFile, 'a');
  return spawn(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', log, log],
    env: { ...process.env, KUBECONFIG: context.kubeconfig, BENCH_COUNTER_FILE: context.counterFile, ...env },
  });
}

async function prepareKopf(progress: (line: string) => void): Promise<Prepared> {
  // The same cached venv as the interop tests (test/setup/python-kopf.ts): one place installs Kopf.
  progress(`kopf: the cached Kopf venv in ${venv} (installed from PyPI on first use)`);
  const found = await pythonKopf();
  if ('skip' in found) throw new Error(`Kopf cannot run here: ${found.skip}`);
  const python = found.python;
  if (!existsSync(path.join(uvloopDir, 'uvloop'))) {
    progress(`kopf: installing uvloop into ${uvloopDir} (used by the tuned variant only)`);
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--target', uvloopDir, 'uvloop'], progress);
  }
  const version = run(
    python,
    ['-c', 'import importlib.metadata as m; print(m.version("kopf"), m.version("aiohttp"))'],
    () => {},
  ).trim();
  const [kopf, aiohttp] = version.split(' ');
  const py = run(python, ['-c', 'import sys; print(sys.version.split()[0])'], () => {}).trim();
  return { version: `kopf ${kopf}, aiohttp ${aiohttp}, Python ${py}` };
}

export const kopfDefault: Contender = {
  id: 'kopf',
  title: 'Kopf 1.44 (defaults)',
  prepare: prepareKopf,
  start: (context) =>
    launch(
      path.join(venv, 'bin', 'kopf'),
      ['run', '--standalone', '-A', path.join(benchDir, 'contenders', 'kopf', 'default.py')],
      context,
    ),
};

export const kopfTuned: Contender = {
  id: 'kopf-tuned',
  title: 'Kopf 1.44 (tuned)',
  async prepare(progress) {
    const prepared = await prepareKopf(progress);
    const uvloop = run(
      path.join(venv, 'bin', 'python'),
      ['-c', 'import uvloop; print(uvloop.__version__)'],
      () => {},
      { env: { PYTHONPATH: uvloopDir } },
    ).trim();
    return { version: prepared.version, notes: `uvloop ${uvloop}` };
  },
  start: (context) =>
    launch(
      path.join(venv, 'bin', 'kopf'),
      ['run', '--standalone', '-A', '--quiet', path.join(benchDir, 'contenders', 'kopf', 'tuned.py')],
      context,
      { PYTHONPATH: uvloopDir },
    ),
};

/** Experiment: the tuned settings without uvloop, to separate the two (`--only kopf-tuned-no-uvloop`). */
export const kopfTunedNoUvloop: Contender = {
  id: 'kopf-tuned-no-uvloop',
  title: 'Kopf 1.44 (tuned, without uvloop; experiment)',
  prepare: prepareKopf,
  start: (context) =>
    launch(
      path.join(venv, 'bin', 'kopf'),
      ['run', '--standalone', '-A', '--quiet', path.join(benchDir, 'contenders', 'kopf', 'tuned.py')],
      context,
    ),
};

let controllerBinary = '';
export const controllerRuntime: Contender = {
  id: 'controller-runtime',
  title: 'controller-runtime (Go)',
  async prepare(progress) {
    const dir = path.join(benchDir, 'contenders', 'controller-runtime');
    const child = spawn('bash', [path.join(dir, 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) =>
      chunk.toString().split('\n').filter(Boolean).forEach(progress),
    );
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`building the controller-runtime reference failed (exit ${code})`);
    controllerBinary = out.trim().split('\n').pop() ?? '';
    const mod = readFileSync(path.join(dir, 'go.mod'), 'utf8');
    const cr = /sigs\.k8s\.io\/controller-runtime (\S+)/.exec(mod)?.[1];
    const cg = /k8s\.io\/client-go (\S+)/.exec(readFileSync(path.join(dir, 'go.sum'), 'utf8'))?.[1];
    const go = run('go', ['env', 'GOVERSION'], () => {}).trim();
    return {
      version: `controller-runtime ${cr}, client-go ${cg}, ${go}`,
      notes: `MaxConcurrentReconciles=${CONTROLLER_CONCURRENCY}`,
    };
  },
  start: (context) => launch(controllerBinary, [`--concurrency=${CONTROLLER_CONCURRENCY}`], context),
};

/**
 * kopf-ts processes objects with no worker limit by default; controller-runtime needs a number.
 * 100 concurrent reconciles is far above what the apiserver on 2 cores serves in parallel, so the
 * reference is never throttled by it (client-side rate limiting is off by default in controller-runtime).
 */
export const CONTROLLER_CONCURRENCY = 100;

/**
 * The raw client handles every object at once (no worker limit, like kopf-ts) but sends the requests
 * over a bounded keep-alive pool with one shared TLS context, as a well-configured Node client would:
 * unbounded sockets mean one TLS handshake per in-flight request, on both sides (measured here:
 * ~125 obj/s with unbounded sockets vs ~200–225 obj/s with 16; 4 and 32 were not better than 16).
 */
export const RAW_MAX_SOCKETS = 16;

export const raw: Contender = {
  id: 'raw',
  title: 'raw limit (bare client)',
  prepare: async () => ({
    version: `node ${process.version}, node:https`,
    notes: `keep-alive pool of ${process.env['BENCH_RAW_MAX_SOCKETS'] ?? RAW_MAX_SOCKETS} sockets, one shared TLS context, no per-object concurrency limit`,
  }),
  start: (context) =>
    launch(process.execPath, [path.join(benchDir, 'contenders', 'raw.ts')], context, {
      BENCH_CLUSTER: context.clusterJson,
      BENCH_RAW_CALLS: context.rawCalls ?? 'annotations,status',
      BENCH_RAW_MAX_SOCKETS: process.env['BENCH_RAW_MAX_SOCKETS'] ?? String(RAW_MAX_SOCKETS),
    }),
};

/** The raw limit over one HTTP/2 session (multiplexed streams) instead of the HTTP/1.1 pool. */
export const rawHttp2: Contender = {
  id: 'raw-h2',
  title: 'raw limit over HTTP/2 (bare client)',
  prepare: async () => ({
    version: `node ${process.version}, node:http2`,
    notes: 'one HTTP/2 session (TLS + ALPN h2), every request and the watch a stream of it',
  }),
  start: (context) => launchRawHttp2(context, context.rawCalls ?? 'annotations,status'),
};

/** The bare client of raw.ts over one HTTP/2 session, making `calls` per object. */
function launchRawHttp2(context: StartContext, calls: string): ChildProcess {
  return launch(process.execPath, [path.join(benchDir, 'contenders', 'raw.ts')], context, {
    BENCH_CLUSTER: context.clusterJson,
    BENCH_RAW_CALLS: calls,
    BENCH_RAW_HTTP2: '1',
  });
}

/**
 * The raw limit over HTTP/2 making one call per object (the status PATCH): the floor for a Node client
 * doing what controller-runtime and kopf-ts with the status storages do.
 */
export const rawHttp2OneCall: Contender = {
  id: 'raw-h2-1',
  title: 'raw limit over HTTP/2, 1 call (bare client)',
  prepare: async () => ({
    version: `node ${process.version}, node:http2`,
    notes: 'one HTTP/2 session; one call per object: the status merge-patch',
  }),
  start: (context) => launchRawHttp2(context, 'status'),
};

/**
 * kopf-ts runs as users deploy it (the generated Dockerfile): the runtime and the operator compiled by
 * tsc, with the image's `--max-semi-space-size=16`. `tsc -p bench/contenders/kopf-ts/tsconfig.json`
 * compiles the operator files and the runtime they import (the build's options) into bench/results/.
 * Running the sources instead cost ~27 MiB more RSS at start (type stripping: docs/benchmarks.md).
 */
const kopfTsBuild = path.join(benchDir, 'results', 'kopf-ts-build');
const DEPLOYED_NODE_FLAGS = ['--max-semi-space-size=16'];
/** Extra node flags for kopf-ts (diagnostics), e.g. BENCH_KOPF_TS_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2. */
const nodeFlags = (): string[] => (process.env['BENCH_KOPF_TS_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);

let compiled: Promise<void> | undefined;
/** Compile once per bench process: every kopf-ts contender runs the same build. */
function compileKopfTs(progress: (line: string) => void): Promise<void> {
  compiled ??= Promise.resolve().then(() => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    run(
      process.execPath,
      [tsc, '-p', path.join(benchDir, 'contenders', 'kopf-ts', 'tsconfig.json')],
      progress,
    );
  });
  return compiled;
}

/** `kopf run --standalone -A` of an operator file in bench/contenders/kopf-ts/ (profiled when asked). */
function launchKopfTs(file: string, context: StartContext, source = false): ChildProcess {
  const [cli, operator] = source
    ? [path.join(repoRoot, 'runtime', 'cli', 'main.ts'), path.join(benchDir, 'contenders', 'kopf-ts', file)]
    : [
        path.join(kopfTsBuild, 'runtime', 'cli', 'main.js'),
        path.join(kopfTsBuild, 'bench', 'contenders', 'kopf-ts', file.replace(/\.ts$/, '.js')),
      ];
  return launch(
    process.execPath,
    [
      ...(source ? [] : DEPLOYED_NODE_FLAGS),
      ...nodeFlags(),
      ...(context.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${context.cpuProfileDir}`] : []),
      cli,
      'run',
      '--standalone',
      '-A',
      operator,
    ],
    context,
  );
}

export const kopfTs: Contender = {
  id: 'kopf-ts',
  title: 'kopf-ts',
  async prepare(progress) {
    await compileKopfTs(progress);
    const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;
    return {
      version: `kopf-ts ${version} (compiled by tsc, as the generated Dockerfile), node ${process.version}`,
      notes: DEPLOYED_NODE_FLAGS.join(' '),
    };
  },
  start: (context) => launchKopfTs('operator.ts', context),
};

/** The dev loop's way (`npm start`): the CLI and the operator from source, type-stripped at load, no flags. */
export const kopfTsSource: Contender = {
  id: 'kopf-ts-source',
  title: 'kopf-ts from source (experiment)',
  prepare: async () => ({
    version: `kopf-ts from source, node ${process.version}`,
    notes: 'experiment: node runtime/cli/main.ts run … operator.ts (type stripping), default V8 heap',
  }),
  start: (context) => launchKopfTs('operator.ts', context, true),
};

/** kopf-ts with another operator file of bench/contenders/kopf-ts/ (its settings differ), noted in the report. */
function kopfTsVariant(id: string, title: string, file: string, notes: string): Contender {
  return {
    id,
    title,
    async prepare(progress) {
      const prepared = await kopfTs.prepare(progress);
      return { ...prepared, notes: `${prepared.notes ?? ''}; ${notes}` };
    },
    start: (context) => launchKopfTs(file, context),
  };
}

export const kopfTsStatus = kopfTsVariant(
  'kopf-ts-status',
  'kopf-ts (status storage)',
  'status-storage.ts',
  "settings.persistence.diffbaseStorage and progressStorage = 'status': one status PATCH per object",
);

export const kopfTsPooled = kopfTsVariant(
  'kopf-ts-pooled',
  'kopf-ts + pooled TLS (experiment)',
  'pooled.ts',
  "experiment: kopf-ts's https.Agent patched to 16 keep-alive sockets and one shared TLS context",
);

export const kopfTsHttp1 = kopfTsVariant(
  'kopf-ts-http1',
  'kopf-ts over HTTP/1.1 (experiment)',
  'http1.ts',
  'experiment: settings.networking.http2 = false (a pool of 16 HTTP/1.1 connections)',
);

/**
 * kopf-ts of another checkout (BENCH_BASELINE_CHECKOUT: e.g. a `git worktree` of main, with its
 * node_modules), its own operator file and CLI: before/after comparisons of a change in the same
 * interleaved run, rather than across runs on a machine whose load drifts.
 */
export const kopfTsBaseline: Contender = {
  id: 'kopf-ts-baseline',
  title: 'kopf-ts (baseline checkout)',
  async prepare() {
    const checkout = process.env['BENCH_BASELINE_CHECKOUT'];
    if (!checkout || !existsSync(path.join(checkout, 'runtime', 'cli', 'main.ts'))) {
      throw new Error('BENCH_BASELINE_CHECKOUT must name a checkout of kopf-ts to compare against');
    }
    const head = spawnSync('git', ['-C', checkout, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
    return { version: `kopf-ts at ${head.stdout.trim().slice(0, 80)}, node ${process.version}` };
  },
  start: (context) => {
    const checkout = process.env['BENCH_BASELINE_CHECKOUT'] ?? '';
    return launch(
      process.execPath,
      [
        ...nodeFlags(),
        path.join(checkout, 'runtime', 'cli', 'main.ts'),
        'run',
        '--standalone',
        '-A',
        path.join(checkout, 'bench', 'contenders', 'kopf-ts', 'operator.ts'),
      ],
      context,
    );
  },
};

export const kopfTsWorkers = kopfTsVariant(
  'kopf-ts-workers',
  'kopf-ts, 100 workers (experiment)',
  'worker-limit.ts',
  'experiment: settings.queueing.workerLimit = 100 (as MaxConcurrentReconciles here)',
);

/** The contenders of a normal run, in order (kopf-ts first: the raw limit mirrors its measured calls). */
export const allContenders: Contender[] = [
  kopfTs,
  kopfTsStatus,
  raw,
  controllerRuntime,
  kopfDefault,
  kopfTuned,
];
/** Selectable with --only, not run by default. */
export const experimentalContenders: Contender[] = [
  kopfTsPooled,
  kopfTunedNoUvloop,
  rawHttp2,
  rawHttp2OneCall,
  kopfTsHttp1,
  kopfTsBaseline,
  kopfTsSource,
  kopfTsWorkers,
];
