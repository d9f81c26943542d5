/**
 * Measure 6: kopf-gen vs `kfc crd` (kubernetes-fluent-client) vs `cdk8s import` (cdk8s-cli) on the
 * CRD corpus. Wall time and peak RSS (GNU time's max RSS) per tool, in two ways:
 * - one process over the whole corpus (kopf-gen's CLI takes it all; the peers' CLIs take one file,
 *   so their libraries are driven in one process by bench/lib/peers/*.ts — the same code their CLIs run);
 * - per file: one CLI invocation per file (dominated by start-up; full mode or --per-file only).
 * The peers are installed once into ~/.cache/kopf-ts/bench/peers (never into the repo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDir, repoRoot } from './contenders.ts';
import { findCorpus } from './corpus.ts';

export interface GeneratorTool {
  id: string;
  title: string;
  mode: 'one-process' | 'whole-corpus' | 'per-file';
  ok: boolean;
  wallSeconds: number;
  peakRssBytes: number;
  /** User + system CPU seconds of the reported run: steadier than wall time on a busy machine. */
  cpuSeconds?: number;
  accepted?: number;
  rejected?: number;
  outputs?: number;
  notes?: string;
  /** One-process runs: the wall seconds of each interleaved round (wallSeconds is their median). */
  roundSeconds?: number[];
}

export interface GeneratorResult {
  corpus: string;
  files: number;
  crdDocuments: number;
  versions: Record<string, string>;
  tools: GeneratorTool[];
}

const PEERS = { 'kubernetes-fluent-client': '3.11.11', 'cdk8s-cli': '2.207.60' };
const peersDir = path.join(
  process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
  'kopf-ts',
  'bench',
  'peers',
);

function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...corpusFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function countFiles(dir: string, pattern: RegExp): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) n += countFiles(full, pattern);
    else if (pattern.test(entry.name)) n++;
  }
  return n;
}

interface Timed {
  status: number | null;
  wallSeconds: number;
  peakRssBytes: number;
  cpuSeconds: number;
  stdout: string;
  stderr: string;
}

/**
 * Python stand-in for GNU time when /usr/bin/time is absent (Debian: `apt-get install time`): same
 * output format ("<wall s> <max RSS KiB> <user s> <system s>"), from getrusage(RUSAGE_CHILDREN).
 */
const PY_TIME = [
  'import resource, subprocess, sys, time',
  't = time.time()',
  'code = subprocess.call(sys.argv[2:])',
  'u = resource.getrusage(resource.RUSAGE_CHILDREN)',
  'open(sys.argv[1], "w").write("%.2f %d %.2f %.2f" % (time.time() - t, u.ru_maxrss, u.ru_utime, u.ru_stime))',
  'sys.exit(code)',
].join('\n');

/** Run a command under GNU time (or its Python stand-in): wall seconds, max RSS and CPU seconds. */
function timed(command: string, args: string[], cwd = repoRoot): Timed {
  const timeFile = path.join(os.tmpdir(), `kopf-ts-bench-time-${process.pid}`);
  const [wrapper, wrapperArgs] =
    existsSync('/usr/bin/time') && !process.env['BENCH_NO_GNU_TIME']
      ? ['/usr/bin/time', ['-f', '%e %M %U %S', '-o', timeFile]]
      : ['python3', ['-c', PY_TIME, timeFile]];
  const started = performance.now();
  const result = spawnSync(wrapper, [...wrapperArgs, command, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const wall = (performance.now() - started) / 1000;
  let peakRssBytes = NaN;
  let cpuSeconds = NaN;
  if (existsSync(timeFile)) {
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [, kib, user, system] = last.split(' ');
    peakRssBytes = Number(kib) * 1024;
    cpuSeconds = Number(user) + Number(system);
    rmSync(timeFile, { force: true });
  }
  return {
    status: result.status,
    wallSeconds: wall,
    peakRssBytes,
    cpuSeconds,
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
}

function ensurePeers(log: (line: string) => void): Record<string, string> {
  const versions: Record<string, string> = {};
  const installed = (name: string): string | undefined => {
    const file = path.join(peersDir, 'node_modules', name, 'package.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).version as string) : undefined;
  };
  if (Object.entries(PEERS).some(([name, version]) => installed(name) !== version)) {
    mkdirSync(peersDir, { recursive: true });
    // kfc 3.11.11 pins quicktype-core 25.0.0, which the registry no longer serves; 26.0.0 is its successor.
    writeFileSync(
      path.join(peersDir, 'package.json'),
      JSON.stringify(
        {
          name: 'kopf-ts-bench-peers',
          private: true,
          dependencies: PEERS,
          overrides: { 'quicktype-core': '26.0.0' },
        },
        null,
        2,
      ),
    );
    log(
      `generator: installing ${Object.entries(PEERS)
        .map(([n, v]) => `${n}@${v}`)
        .join(', ')} into ${peersDir}`,
    );
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: peersDir,
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw new Error(`npm install of the peers failed: ${result.stderr.slice(-1000)}`);
  }
  for (const name of [...Object.keys(PEERS), 'quicktype-core', 'json2jsii'])
    versions[name] = installed(name) ?? 'missing';
  return versions;
}

/**
 * kopf-gen's CLI, making projects that depend on kopf-ts as a registry install of kopf-gen does
 * (`^<version>`): run from a checkout, it would otherwise `npm pack` the checkout into every project
 * (seconds per process), which no peer does and no user of the registry package pays.
 */
function kopfGenCommand(): { command: string; args: string[]; label: string; spec: string[] } {
  const version = (
    JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const spec = ['--kopf-ts', `^${version}`];
  const dist = path.join(repoRoot, 'dist', 'generator', 'cli.js');
  if (existsSync(dist))
    return {
      command: process.execPath,
      args: [path.join(repoRoot, 'bin', 'kopf-gen.js')],
      label: 'bin/kopf-gen.js (dist)',
      spec,
    };
  return {
    command: process.execPath,
    args: [path.join(repoRoot, 'generator', 'cli.ts')],
    label: 'generator/cli.ts (from source)',
    spec,
  };
}

export async function runGeneratorMeasure(options: {
  quick: boolean;
  perFile?: boolean;
  /** Interleaved rounds of the one-process runs (kopf-gen, kfc, cdk8s, kopf-gen, …); the median is reported. */
  rounds?: number;
  workDir: string;
  log: (line: string) => void;
}): Promise<GeneratorResult> {
  const { log } = options;
  const corpus = findCorpus(repoRoot);
  const result: GeneratorResult = {
    corpus: corpus ?? '',
    files: 0,
    crdDocuments: 0,
    versions: {},
    tools: [],
  };
  if (!corpus) {
    log(
      'generator: no shared/crd-corpus above the checkout or its main repository (set BENCH_CRD_CORPUS); skipped',
    );
    return result;
  }
  const files = corpusFiles(corpus);
  result.files = files.length;
  const manifest = path.join(corpus, 'MANIFEST.tsv');
  if (existsSync(manifest)) {
    const rows = readFileSync(manifest, 'utf8').trim().split('\n').slice(1);
    result.crdDocuments = rows.reduce((sum, row) => sum + (Number(row.split('\t')[5]) || 0), 0);
  }
  try {
    result.versions = ensurePeers(log);
  } catch (error) {
    log(`generator: ${String(error)}`);
  }
  const out = path.join(os.tmpdir(), `kopf-ts-bench-gen-${process.pid}`);
  const fresh = (name: string): string => {
    const dir = path.join(out, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  // One process over the whole corpus. A file that stops a tool's whole run (kopf-gen's input errors,
  // a crash of a peer's process) is counted as rejected and the run is repeated without it (and left
  // out of the tool's later rounds); the time reported is that of the complete runs.
  const kopfGen = kopfGenCommand();
  type Summarize = (run: Timed, dir: string, inputs: string[]) => Partial<GeneratorTool> & { ok: boolean };
  interface WholeCorpusTool {
    id: string;
    title: string;
    mode: GeneratorTool['mode'];
    command: (inputs: string[], dir: string) => { command: string; args: string[] };
    culprit: (run: Timed) => string | undefined;
    summarize: Summarize;
  }
  const inputsOf = new Map<string, { inputs: string[]; stoppers: string[] }>();
  /** One complete run of a tool over the corpus (less the files that stop it). */
  const completeRun = (tool: WholeCorpusTool): { run: Timed; dir: string; inputs: string[] } => {
    const key = `${tool.id} ${tool.mode}`;
    const state = inputsOf.get(key) ?? { inputs: [...files], stoppers: [] };
    inputsOf.set(key, state);
    for (;;) {
      const dir = fresh(tool.id);
      const { command: cmd, args } = tool.command(state.inputs, dir);
      const run = timed(cmd, args);
      const bad = run.status === 0 ? undefined : tool.culprit(run);
      if (bad && state.inputs.includes(bad) && state.stoppers.length < 10) {
        state.stoppers.push(bad);
        log(`generator: ${tool.id}: ${path.relative(corpus, bad)} stops the whole run; repeating without it`);
        state.inputs = state.inputs.filter((file) => file !== bad);
        continue;
      }
      return { run, dir, inputs: state.inputs };
    }
  };
  /** Runs the tools `rounds` times, interleaved, and records each with its median round. */
  const measureInterleaved = (tools: readonly WholeCorpusTool[], rounds: number): void => {
    const runs = new Map<string, Array<ReturnType<typeof completeRun>>>(tools.map((t) => [t.id, []]));
    for (let round = 0; round < rounds; round++) {
      for (const tool of tools) {
        const done = completeRun(tool);
        log(
          `generator: ${tool.id} (${tool.mode}), round ${round + 1}/${rounds}: ` +
            `${done.run.wallSeconds.toFixed(2)} s, ${done.run.cpuSeconds.toFixed(2)} s CPU`,
        );
        runs.get(tool.id)!.push(done);
      }
    }
    for (const tool of tools) {
      const all = runs.get(tool.id)!;
      const sorted = [...all].sort((a, b) => a.run.wallSeconds - b.run.wallSeconds);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      const summary = tool.summarize(median.run, median.dir, median.inputs);
      const { stoppers } = inputsOf.get(`${tool.id} ${tool.mode}`)!;
      const stopNote = stoppers.length
        ? `; stopped the run (excluded, counted as rejected): ${stoppers.map((f) => path.relative(corpus, f)).join(', ')}`
        : '';
      const roundNote =
        all.length > 1
          ? `; median of ${all.length} interleaved rounds (${all.map((r) => r.run.wallSeconds.toFixed(2)).join(', ')} s; ` +
            `CPU ${all.map((r) => r.run.cpuSeconds.toFixed(2)).join(', ')} s)`
          : '';
      result.tools.push({
        id: tool.id,
        title: tool.title,
        mode: tool.mode,
        wallSeconds: median.run.wallSeconds,
        peakRssBytes: Math.max(...all.map((r) => r.run.peakRssBytes)),
        cpuSeconds: median.run.cpuSeconds,
        ...summary,
        ...(summary.rejected !== undefined ? { rejected: summary.rejected + stoppers.length } : {}),
        notes: (summary.notes ?? '') + stopNote + roundNote,
        ...(all.length > 1 ? { roundSeconds: all.map((r) => r.run.wallSeconds) } : {}),
      });
    }
  };
  const wholeCorpus = (
    id: string,
    title: string,
    mode: GeneratorTool['mode'],
    command: WholeCorpusTool['command'],
    culprit: WholeCorpusTool['culprit'],
    summarize: Summarize,
  ): void => measureInterleaved([{ id, title, mode, command, culprit, summarize }], 1);

  wholeCorpus(
    'kopf-gen',
    `kopf-gen CLI, the whole corpus as one project (${kopfGen.label})`,
    'whole-corpus',
    (inputs, dir) => ({
      command: kopfGen.command,
      args: [
        ...kopfGen.args,
        ...(inputs.length === files.length ? [corpus] : inputs),
        '-o',
        dir,
        ...kopfGen.spec,
        '--quiet',
      ],
    }),
    (run) => {
      const match = /error: (\/[^:]+\.ya?ml)/.exec(run.stderr + run.stdout);
      return match?.[1];
    },
    (run, dir, inputs) => {
      const summary = /kopf-gen: (\d+) CRDs, (\d+) versions; (\d+) files written/.exec(run.stdout);
      const warnings = run.stderr.split('\n').filter((l) => l.startsWith('warning:')).length;
      return {
        ok: run.status === 0,
        accepted: run.status === 0 ? inputs.length : 0,
        rejected: run.status === 0 ? 0 : inputs.length,
        outputs: countFiles(path.join(dir, 'src', 'generated'), /\.ts$/),
        notes:
          run.status === 0
            ? `${summary?.[1] ?? '?'} CRDs, ${summary?.[2] ?? '?'} versions typed; ${warnings} warnings`
            : `exit ${run.status}: ${(run.stderr || run.stdout).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`,
      };
    },
  );
  // One process, the corpus file by file (one project/output per file): the same shape for all three.
  // kopf-gen's and cdk8s's drivers are the generator engineer's (bench/generator/), kfc's is ours.
  const ownDriver = (name: string, fallback: string): string => {
    const theirs = path.join(benchDir, 'generator', name);
    return existsSync(theirs) ? theirs : path.join(benchDir, 'lib', 'peers', fallback);
  };
  const peersInstalled = existsSync(path.join(peersDir, 'node_modules'));
  const drivers = [
    {
      id: 'kopf-gen',
      title: 'kopf-gen (library, generator/cli.ts main())',
      driver: path.join(benchDir, 'generator', 'corpus-driver.ts'),
      peer: false,
    },
    {
      id: 'kfc',
      title: `kfc crd (kubernetes-fluent-client ${result.versions['kubernetes-fluent-client'] ?? ''}, library)`,
      driver: path.join(benchDir, 'lib', 'peers', 'kfc.ts'),
      peer: true,
    },
    {
      id: 'cdk8s',
      title: `cdk8s import (cdk8s-cli ${result.versions['cdk8s-cli'] ?? ''}, library)`,
      driver: ownDriver('cdk8s-driver.ts', 'cdk8s.ts'),
      peer: true,
    },
  ];
  const oneProcess: WholeCorpusTool[] = [];
  for (const tool of drivers) {
    if (!existsSync(tool.driver) || (tool.peer && !peersInstalled)) {
      log(
        `generator: ${tool.id}: ${tool.peer ? 'peers not installed' : `${path.relative(repoRoot, tool.driver)} missing`}; skipped`,
      );
      continue;
    }
    oneProcess.push({
      id: tool.id,
      title: tool.title,
      mode: 'one-process',
      command: (inputs, dir) => ({
        command: process.execPath,
        args: [tool.driver, ...(tool.peer ? [peersDir] : []), dir, ...inputs],
      }),
      culprit: (run) =>
        run.stderr
          .split('\n')
          .filter((line) => line.startsWith('START '))
          .pop()
          ?.slice(6),
      summarize: (run, dir) => {
        let summary:
          | {
              accepted: number;
              rejected: number;
              outputs?: number;
              crds?: number;
              versions?: number;
              warnings?: number;
              errors: Array<{ file: string; message: string }>;
            }
          | undefined;
        try {
          summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '');
        } catch {
          summary = undefined;
        }
        writeFileSync(
          path.join(options.workDir, `generator-${tool.id}.json`),
          run.stdout.trim().split('\n').pop() ?? '',
        );
        if (!summary)
          return {
            ok: false,
            notes: `exit ${run.status}: ${run.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 300)}`,
          };
        const rejectedFiles = summary.errors.map(
          (e) => `${path.relative(corpus, e.file)} (${e.message.slice(0, 70)})`,
        );
        const typed =
          tool.id === 'kopf-gen'
            ? `${summary.crds} CRDs, ${summary.versions} versions typed; ${summary.warnings} warnings`
            : `${summary.outputs} ${tool.id === 'kfc' ? 'CRD versions' : 'CRD modules'} typed`;
        return {
          ok: run.status === 0,
          accepted: summary.accepted,
          rejected: summary.rejected,
          outputs: countFiles(dir, /\.ts$/),
          notes: `${typed}${rejectedFiles.length ? `; rejected: ${rejectedFiles.join('; ')}` : ''}`,
        };
      },
    });
  }
  // Rounds interleaved (kopf-gen, kfc, cdk8s, kopf-gen, …) so that the machine's drifting load
  // favours none of them.
  measureInterleaved(oneProcess, Math.max(1, options.rounds ?? 3));
  for (const tool of result.tools) {
    log(
      `generator: ${tool.title}: ${tool.ok ? `${tool.wallSeconds.toFixed(2)} s, ${(tool.peakRssBytes / 2 ** 20).toFixed(0)} MiB` : 'failed'}; ${tool.notes ?? ''}`,
    );
  }

  // One CLI invocation per file.
  if (options.perFile ?? !options.quick) {
    const bin = (name: string): string => path.join(peersDir, 'node_modules', '.bin', name);
    const perFile: Array<{
      id: string;
      title: string;
      run: (file: string, dir: string) => Timed;
      produced: (dir: string) => boolean;
    }> = [
      {
        id: 'kopf-gen',
        title: `kopf-gen (${kopfGen.label})`,
        run: (file, dir) =>
          timed(kopfGen.command, [...kopfGen.args, file, '-o', dir, ...kopfGen.spec, '--quiet']),
        produced: (dir) => countFiles(dir, /\.ts$/) > 0,
      },
      {
        id: 'kfc',
        title: 'kfc crd (CLI)',
        run: (file, dir) => timed(bin('kubernetes-fluent-client'), ['crd', file, dir]),
        produced: (dir) => countFiles(dir, /\.ts$/) > 0,
      },
      {
        id: 'cdk8s',
        title: 'cdk8s import (CLI)',
        run: (file, dir) =>
          timed(bin('cdk8s'), ['import', file, '--language', 'typescript', '--output', dir], dir),
        produced: (dir) => countFiles(dir, /\.ts$/) > 0,
      },
    ];
    for (const tool of perFile) {
      if (
        tool.id !== 'kopf-gen' &&
        !existsSync(bin(tool.id === 'kfc' ? 'kubernetes-fluent-client' : 'cdk8s'))
      )
        continue;
      let wall = 0;
      let peak = 0;
      let accepted = 0;
      for (const [i, file] of files.entries()) {
        const dir = fresh(`${tool.id}-file-${i}`);
        const run = tool.run(file, dir);
        wall += run.wallSeconds;
        peak = Math.max(peak, run.peakRssBytes || 0);
        if (run.status === 0 && tool.produced(dir)) accepted++;
        rmSync(dir, { recursive: true, force: true });
      }
      result.tools.push({
        id: tool.id,
        title: tool.title,
        mode: 'per-file',
        ok: true,
        wallSeconds: wall,
        peakRssBytes: peak,
        accepted,
        rejected: files.length - accepted,
      });
      log(
        `generator: ${tool.title} per file: ${wall.toFixed(1)} s in total, ${accepted}/${files.length} files produced types`,
      );
    }
  }
  rmSync(out, { recursive: true, force: true });
  return result;
}

export function statOrUndefined(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}
