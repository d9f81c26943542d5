/**
 * kopf-ts benchmarks (issue #7): every contender against the same local kube-apiserver in one run.
 *
 *   npm run bench                      # full sizes
 *   npm run bench -- --quick           # smaller sizes, a few minutes
 *   npm run bench -- --only kopf-ts,raw --measures throughput,latency
 *
 * Flags: --quick; --only <contender,...> (kopf-ts, kopf-ts-status, raw, controller-runtime, kopf, kopf-tuned);
 * --measures <throughput,api-calls,latency,memory,restart,scale,generator,sharding,leader-election>; size overrides
 * for development: --n <objects>, --rounds <n> (throughput and generator rounds), --idle <objects>,
 * --rate <objects/s>, --seconds <s>, --shard-n <objects>, --warmup <objects> (each fresh process's warm-up, default
 * 50: a steady-state CPU per object needs ~1,000, see docs/benchmarks.md); the 100,000-object measure (`scale`, full mode only
 * unless named in --measures): --scale-objects <n>, --scale-cap <s>; --no-report (do not rewrite BENCHMARKS.md).
 * Results: bench/results/<timestamp>.json (+ logs), and BENCHMARKS.md at the repo root.
 * These are measurements, not tests: nothing here asserts a time.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCluster, applyYaml, waitForCrd } from '../runtime/testing/index.ts';
import { allContenders, benchDir, experimentalContenders, repoRoot } from './lib/contenders.ts';
import { Kube, CRD_NAME } from './lib/kube.ts';
import {
  createHandledSet,
  SETUP_CONCURRENCY,
  waitSetUpVersion,
  withSetUpVersion,
  type SetUp,
} from './lib/scale.ts';
import { Observer } from './lib/observer.ts';
import { machineInfo } from './lib/proc.ts';
import { ContenderSession, type ContenderResult, type Sizes } from './lib/session.ts';
import { runGeneratorMeasure, type GeneratorResult } from './lib/generator.ts';
import { renderCharts } from './lib/charts.ts';
import {
  MISSED_TARGETS_FILE,
  parseMissedTargets,
  targets,
  writeReport,
  type BenchRun,
  type Target,
} from './lib/report.ts';
import { toolVersions } from './lib/versions.ts';
import { measureLeaderElection, type LeaderElectionResult } from './scaling/leader-election.ts';
import { measureSharding, type ShardingResult } from './scaling/sharding.ts';
import { summarizeProfile } from './lib/cpuprofile.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    measures: { type: 'string' },
    n: { type: 'string' },
    rounds: { type: 'string' },
    idle: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    'scale-objects': { type: 'string' },
    'scale-cap': { type: 'string' },
    'shard-n': { type: 'string' },
    warmup: { type: 'string' },
    'no-report': { type: 'boolean', default: false },
    'per-file': { type: 'boolean' },
    profile: { type: 'boolean', default: false },
    report: { type: 'string' },
  },
  allowPositionals: false,
});

// --report <results.json>: only re-render BENCHMARKS.md from a finished run (e.g. after editing findings.md).
if (values.report) {
  const saved = JSON.parse(readFileSync(values.report, 'utf8')) as BenchRun;
  Object.assign(saved, handWritten());
  const file = reportFile(saved.mode);
  writeReport(saved, file);
  process.stderr.write(`${path.relative(repoRoot, file)} re-rendered from ${values.report}\n`);
  printTargets(saved);
  process.exit(0);
}

const quick = values.quick ?? false;
// Sharding at 10,000 took ~14 min (4 replica groups, each handling the set); 2,000 ~4.5: a full run fits 50 min.
const shardingObjects = Number(values['shard-n'] ?? (quick ? 1000 : 2000));
const sizes: Sizes = {
  throughputN: Number(values.n ?? (quick ? 200 : 1000)),
  throughputRounds: Number(values.rounds ?? 3),
  latencyRate: Number(values.rate ?? 50),
  latencySeconds: Number(values.seconds ?? (quick ? 15 : 60)),
  idleObjects: Number(values.idle ?? (quick ? 2000 : 10000)),
  createConcurrency: 32,
  scaleObjects: Number(values['scale-objects'] ?? 100_000),
  // 100,000 objects at the 25,000 dry run's pace: kopf-ts ~60 s, controller-runtime ~20, Kopf ~110; the cap bounds a full run.
  scaleCapSeconds: Number(values['scale-cap'] ?? 300),
  shardingObjects,
  warmupObjects: Number(values.warmup ?? 50),
};
const allMeasures = [
  'throughput',
  'api-calls',
  'latency',
  'memory',
  'restart',
  'scale',
  'generator',
  'sharding',
  'leader-election',
];
/** Measures of kopf-ts alone (the others run every contender). */
const kopfTsMeasures = ['generator', 'sharding', 'leader-election'];
// The 100,000-object measure takes most of an hour to set up here: full runs only, unless asked for.
const defaultMeasures = quick ? allMeasures.filter((m) => m !== 'scale') : allMeasures;
const measures = new Set(values.measures ? values.measures.split(',') : defaultMeasures);
for (const m of measures)
  if (!allMeasures.includes(m)) throw new Error(`unknown measure ${m}; known: ${allMeasures.join(', ')}`);
const only = values.only ? new Set(values.only.split(',')) : undefined;
/**
 * The contenders of each measure when --only does not name them: every target of issue #11 is measured,
 * and a full run fits 50 min on this 2-core machine (bench/README.md has the times). The raw limit and
 * the status-storage variant are in throughput targets only: their memory is read there (at 0 objects,
 * the peak of a burst, 30 s after it), not at 10,000 or 100,000 objects. Kopf (tuned) is in no target:
 * `--only kopf-tuned` runs it.
 */
const throughputContenders = ['kopf-ts', 'kopf-ts-status', 'raw', 'controller-runtime', 'kopf'];
const peers = ['kopf-ts', 'controller-runtime', 'kopf'];
const plannedContenders: Record<string, string[]> = {
  throughput: throughputContenders,
  'api-calls': throughputContenders,
  latency: peers,
  memory: peers,
  restart: peers,
  scale: peers,
};
const known = [...allContenders, ...experimentalContenders];
const contenders = only
  ? known.filter((c) => only.has(c.id))
  : allContenders.filter((c) => [...measures].some((m) => plannedContenders[m]?.includes(c.id)));
if (only)
  for (const id of only) if (!known.some((c) => c.id === id)) throw new Error(`unknown contender ${id}`);

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const resultsDir = path.join(benchDir, 'results');
const workDir = path.join(resultsDir, stamp);
mkdirSync(workDir, { recursive: true });
const t0 = performance.now();
const log = (line: string): void => {
  const elapsed = ((performance.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${elapsed}s] ${line}\n`);
};

log(
  `mode: ${quick ? 'quick' : 'full'}; sizes ${JSON.stringify(sizes)}; measures: ${[...measures].join(', ')}`,
);
log(`contenders: ${contenders.map((c) => c.id).join(', ')}; logs in ${path.relative(repoRoot, workDir)}`);

const results: ContenderResult[] = [];
let generator: GeneratorResult | undefined;
let sharding: ShardingResult | undefined;
let leaderElection: LeaderElectionResult | undefined;
let kubernetesVersion = '';
let scaleSetUp: SetUp | undefined;
/** How long each part of the run took (wall seconds), for fitting a full run into its time. */
const phases: Array<{ name: string; seconds: number }> = [];
const timed = async (name: string, part: () => Promise<void>): Promise<void> => {
  const started = performance.now();
  try {
    await part();
  } finally {
    phases.push({ name, seconds: (performance.now() - started) / 1000 });
    log(`--- ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
};
const contenderMeasures = [...measures].filter((m) => !kopfTsMeasures.includes(m));

if (
  (contenderMeasures.length && contenders.length) ||
  measures.has('sharding') ||
  measures.has('leader-election')
) {
  log('starting the local cluster (kube-apiserver + etcd; built once per machine)');
  const cluster = await startLocalCluster({ progress: (line) => log(`  ${line}`) });
  kubernetesVersion = cluster.kubernetesVersion;
  log(`cluster ready at ${cluster.url} (kube-apiserver ${cluster.kubernetesVersion}, pid ${cluster.pid})`);
  const clusterJson = path.join(workDir, 'cluster.json');
  writeFileSync(
    clusterJson,
    JSON.stringify({
      url: cluster.url,
      ca: cluster.ca,
      clientCert: cluster.clientCert,
      clientKey: cluster.clientKey,
    }),
  );
  const kube = new Kube(cluster);
  const observer = new Observer(kube);
  try {
    await applyYaml(cluster.kubeConfig(), readFileSync(path.join(benchDir, 'crd.yaml'), 'utf8'));
    await waitForCrd(cluster.kubeConfig(), CRD_NAME);
    await observer.start();
    // The CRD's storage may still be initializing: one object created and deleted before any contender.
    await kube.createNamespace('bench-prewarm');
    await kube.create('bench-prewarm', 'prewarm', 0);
    await kube.deleteCollection('bench-prewarm');
    await observer.waitGone('bench-prewarm', 30_000);
    const sessions = (contenderMeasures.length ? contenders : []).map(
      (contender) =>
        new ContenderSession(contender, {
          kube,
          observer,
          sizes,
          workDir,
          baseContext: {
            kubeconfig: cluster.kubeconfig,
            clusterJson,
            ...(values.profile && contender.id === 'kopf-ts'
              ? { cpuProfileDir: path.join(workDir, 'cpu-profile') }
              : {}),
          },
          log,
        }),
    );
    await timed('prepare', async () => {
      for (const session of sessions) await session.prepare();
    });
    const ready = sessions.filter((session) => session.available);
    /** The ready sessions that run `measure`: all of them with --only, else the planned ones. */
    const running = (measure: string): ContenderSession[] =>
      ready.filter((s) => only || plannedContenders[measure]?.includes(s.contender.id));
    // The raw limit makes, per object, the calls kopf-ts was measured to make (kopf-ts goes first).
    const kopfTs = ready.find((session) => session.contender.id === 'kopf-ts');
    const context = (session: ContenderSession): { rawCalls?: string } => {
      if (session.contender.id !== 'raw') return {};
      const mirrored = kopfTs?.apiCalls() && mirrorCalls(kopfTs.apiCalls()!.byKind);
      return { rawCalls: mirrored || 'annotations,status' };
    };
    const save = (): void =>
      writeFileSync(
        path.join(workDir, 'partial.json'),
        JSON.stringify(
          sessions.map((s) => s.result()),
          null,
          2,
        ),
      );
    // Timed measures interleaved: round r of every contender, then round r + 1 of every contender.
    if (measures.has('throughput') || measures.has('api-calls')) {
      for (let round = 0; round < sizes.throughputRounds; round++) {
        await timed(`throughput round ${round + 1}`, async () => {
          for (const session of running('throughput')) {
            log(
              `=== throughput round ${round + 1}/${sizes.throughputRounds}: ${session.contender.title} ===`,
            );
            await session.throughputRound(round, context(session));
            save();
          }
        });
      }
    }
    if (measures.has('latency')) {
      for (const session of running('latency'))
        await timed(`latency: ${session.contender.id}`, async () => {
          log(`=== latency: ${session.contender.title} ===`);
          await session.latencyRound(context(session));
          save();
        });
    }
    if (measures.has('memory') || measures.has('restart')) {
      for (const session of running(measures.has('memory') ? 'memory' : 'restart'))
        await timed(
          `memory${measures.has('restart') ? ' and restart' : ''}: ${session.contender.id}`,
          async () => {
            log(`=== memory${measures.has('restart') ? ' and restart' : ''}: ${session.contender.title} ===`);
            await session.memoryAndRestart(measures.has('restart'), context(session));
            save();
          },
        );
    }
    if (measures.has('sharding')) {
      log(`=== sharding: 1, 2, 3 replicas of kopf-ts over ${shardingObjects} objects ===`);
      await timed('sharding', async () => {
        sharding = await measureSharding({
          kube,
          observer,
          kubeconfig: cluster.kubeconfig,
          objects: shardingObjects,
          replicaCounts: [1, 2, 3],
          workDir: path.join(workDir, 'sharding'),
          log,
        });
      });
    }
    if (measures.has('leader-election')) {
      log('=== leader election: fail-over and hand-over of kopf-ts replicas ===');
      await timed('leader election', async () => {
        leaderElection = await measureLeaderElection({
          kube,
          kubeconfig: cluster.kubeconfig,
          rounds: sizes.throughputRounds,
          log,
        });
      });
    }
    // Last, so that no other measure runs beside its 100,000 objects (the cluster is stopped after it).
    if (measures.has('scale') && running('scale').length) {
      // One set for every contender (it is only read), created once: the longest set-up of the run.
      const setNamespace = 'bench-scale-set';
      await timed('scale: set-up', async () => {
        log(`=== scale: ${sizes.scaleObjects} handled objects (set-up) ===`);
        await kube.createNamespace(setNamespace);
        const setUpKube = new Kube(cluster, 1, { http2: true });
        try {
          // The CRD's update rebuilds its storage in the apiserver, which ends every watch; the observer's
          // resourceVersion may be older than the new watch cache: it lists and watches afresh.
          observer.stop();
          const crd = readFileSync(path.join(benchDir, 'crd.yaml'), 'utf8');
          await applyYaml(cluster.kubeConfig(), withSetUpVersion(crd));
          await waitSetUpVersion(setUpKube, setNamespace);
          await observer.start();
          scaleSetUp = await createHandledSet(
            setUpKube,
            setNamespace,
            sizes.scaleObjects,
            SETUP_CONCURRENCY,
            log,
          );
        } finally {
          setUpKube.close();
        }
      });
      for (const session of running('scale'))
        await timed(`scale: ${session.contender.id}`, async () => {
          log(`=== scale: ${session.contender.title} with ${sizes.scaleObjects} objects ===`);
          await session.scale(setNamespace, sizes.scaleObjects, sizes.scaleCapSeconds, context(session));
          save();
        });
    }
    for (const session of sessions) {
      const result = session.result();
      if (values.profile && result.id === 'kopf-ts')
        result.profile = profileSummary(path.join(workDir, 'cpu-profile'));
      results.push(result);
    }
  } finally {
    observer.stop();
    kube.close();
    await cluster.stop();
  }
}

if (measures.has('generator')) {
  log('=== generator (measure 6) ===');
  await timed('generator', async () => {
    generator = await runGeneratorMeasure({
      quick,
      rounds: sizes.throughputRounds,
      workDir,
      log,
      // One CLI run per file takes minutes (start-up × 81 files × 3 tools) and is in no target: asked for only.
      perFile: values['per-file'] ?? false,
    });
  });
}

const custom = [
  'n',
  'rounds',
  'idle',
  'rate',
  'seconds',
  'scale-objects',
  'scale-cap',
  'shard-n',
  'only',
  'measures',
].some((k) => values[k as keyof typeof values] !== undefined);
const run: BenchRun = {
  timestamp: new Date().toISOString(),
  mode: (quick ? 'quick' : 'full') + (custom ? ' (custom)' : ''),
  command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
  resultsFile: path.relative(repoRoot, path.join(resultsDir, `${stamp}.json`)),
  sizes,
  measures: [...measures],
  machine: machineInfo(),
  versions: { ...toolVersions(), 'kube-apiserver': kubernetesVersion || 'not started' },
  contenders: results,
  ...(generator ? { generator } : {}),
  ...(sharding ? { sharding } : {}),
  ...(leaderElection ? { leaderElection } : {}),
  ...(scaleSetUp ? { scaleSetUp } : {}),
  phases,
  durationSeconds: (performance.now() - t0) / 1000,
  ...handWritten(),
};
const jsonFile = path.join(resultsDir, `${stamp}.json`);
writeFileSync(jsonFile, JSON.stringify(run, null, 2));
log(`results: ${path.relative(repoRoot, jsonFile)}`);
if (!values['no-report']) {
  const file = reportFile(run.mode);
  try {
    const chartDir = path.join(benchDir, 'charts', run.mode === 'full' ? 'full' : 'quick');
    run.charts = await renderCharts(run, chartDir, path.dirname(file), log);
  } catch (error) {
    log(`charts: not rendered: ${error instanceof Error ? error.message : String(error)}`);
  }
  writeFileSync(jsonFile, JSON.stringify(run, null, 2));
  writeReport(run, file);
  log(`${path.relative(repoRoot, file)} regenerated`);
}
printTargets(run);

/**
 * A full run (default sizes, every contender and measure) is BENCHMARKS.md; anything else — quick or
 * custom sizes, a subset — goes to BENCHMARKS.quick.md, so noisy numbers never replace the full report.
 */
function reportFile(mode: string): string {
  return path.join(repoRoot, mode === 'full' ? 'BENCHMARKS.md' : 'BENCHMARKS.quick.md');
}

/** The hand-written parts of the report: the findings, and why each missed target is missed. */
function handWritten(): Pick<BenchRun, 'findings' | 'missedTargets'> {
  const read = (file: string): string | undefined =>
    existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const findings = read(path.join(benchDir, 'findings.md'));
  const missed = read(path.join(repoRoot, MISSED_TARGETS_FILE));
  return {
    ...(findings ? { findings } : {}),
    ...(missed ? { missedTargets: parseMissedTargets(missed) } : {}),
  };
}

/** The ratios against the targets, on the console too (the report has the tables behind them). */
function printTargets(run: BenchRun): void {
  const status = (met: Target['met']): string =>
    met === undefined ? '–       ' : met === 'reported' ? 'reported' : met ? 'met     ' : 'missed  ';
  const rows = targets(run).map((t) => `  ${status(t.met)}  ${t.what} (${t.bar}): ${t.value}`);
  process.stdout.write(`kopf-ts against its targets (${run.mode} run):\n${rows.join('\n')}\n`);
}

/** Summaries of the CPU profiles kopf-ts wrote (one per process: the first run, then the restarted one). */
function profileSummary(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const text = files.map((f) => summarizeProfile(path.join(dir, f), 20)).join('\n\n');
  log(`kopf-ts CPU profiles (${path.relative(repoRoot, dir)}):\n${text}`);
  return text;
}

/** Translate kopf-ts's measured calls per object into the raw client's call list. */
function mirrorCalls(byKind: Record<string, number>): string | undefined {
  const calls: string[] = [];
  const times = (key: string): number => Math.round(byKind[key] ?? 0);
  for (let i = 0; i < times('PATCH benchobjects'); i++) calls.push('annotations');
  for (let i = 0; i < times('PATCH benchobjects/status'); i++) calls.push('status');
  for (let i = 0; i < times('POST events'); i++) calls.push('event');
  return calls.length ? calls.join(',') : undefined;
}
