/**
 * kopf-ts benchmarks (issue #7): every contender against the same local kube-apiserver in one run.
 *
 *   npm run bench                      # full sizes
 *   npm run bench -- --quick           # smaller sizes, a few minutes
 *   npm run bench -- --only kopf-ts,raw --measures throughput,latency
 *
 * Flags: --quick; --only <contender,...> (kopf-ts, raw, controller-runtime, kopf, kopf-tuned);
 * --measures <throughput,api-calls,latency,memory,restart,generator>; size overrides for development:
 * --n <objects>, --idle <objects>, --rate <objects/s>, --seconds <s>; --no-report (do not rewrite
 * BENCHMARKS.md). Results: bench/results/<timestamp>.json (+ logs), and BENCHMARKS.md at the repo root.
 * These are measurements, not tests: nothing here asserts a time.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCluster, applyYaml, waitForCrd } from '../runtime/testing/index.ts';
import { allContenders, benchDir, experimentalContenders, repoRoot } from './lib/contenders.ts';
import { Kube, CRD_NAME } from './lib/kube.ts';
import { Observer } from './lib/observer.ts';
import { machineInfo } from './lib/proc.ts';
import { runSession, type ContenderResult, type Sizes } from './lib/session.ts';
import { runGeneratorMeasure, type GeneratorResult } from './lib/generator.ts';
import { writeReport, type BenchRun } from './lib/report.ts';
import { toolVersions } from './lib/versions.ts';
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
  const findingsFile = path.join(benchDir, 'findings.md');
  if (existsSync(findingsFile)) saved.findings = readFileSync(findingsFile, 'utf8');
  writeReport(saved, path.join(repoRoot, 'BENCHMARKS.md'));
  process.stderr.write(`BENCHMARKS.md re-rendered from ${values.report}\n`);
  process.exit(0);
}

const quick = values.quick ?? false;
const sizes: Sizes = {
  throughputN: Number(values.n ?? (quick ? 200 : 1000)),
  throughputRounds: Number(values.rounds ?? 3),
  latencyRate: Number(values.rate ?? 50),
  latencySeconds: Number(values.seconds ?? (quick ? 15 : 60)),
  idleObjects: Number(values.idle ?? (quick ? 2000 : 10000)),
  createConcurrency: 32,
};
const allMeasures = ['throughput', 'api-calls', 'latency', 'memory', 'restart', 'generator'];
const measures = new Set(values.measures ? values.measures.split(',') : allMeasures);
for (const m of measures)
  if (!allMeasures.includes(m)) throw new Error(`unknown measure ${m}; known: ${allMeasures.join(', ')}`);
const only = values.only ? new Set(values.only.split(',')) : undefined;
const known = [...allContenders, ...experimentalContenders];
const contenders = only ? known.filter((c) => only.has(c.id)) : allContenders;
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
let kubernetesVersion = '';
const clusterMeasures = [...measures].filter((m) => m !== 'generator');

if (clusterMeasures.length && contenders.length) {
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
    let rawCalls = 'annotations,status';
    for (const contender of contenders) {
      log(`=== ${contender.title} ===`);
      const result = await runSession(contender, {
        kube,
        observer,
        sizes,
        measures: new Set(clusterMeasures),
        workDir,
        baseContext: {
          kubeconfig: cluster.kubeconfig,
          clusterJson,
          rawCalls,
          ...(values.profile && contender.id === 'kopf-ts'
            ? { cpuProfileDir: path.join(workDir, 'cpu-profile') }
            : {}),
        },
        log,
      });
      results.push(result);
      if (values.profile && contender.id === 'kopf-ts')
        result.profile = profileSummary(path.join(workDir, 'cpu-profile'));
      if (contender.id === 'kopf-ts' && result.apiCalls) {
        rawCalls = mirrorCalls(result.apiCalls.byKind) ?? rawCalls;
        log(`raw limit will mirror kopf-ts's calls per object: ${rawCalls}`);
      }
      writeFileSync(path.join(workDir, 'partial.json'), JSON.stringify(results, null, 2));
    }
  } finally {
    observer.stop();
    kube.close();
    await cluster.stop();
  }
}

if (measures.has('generator')) {
  log('=== generator (measure 6) ===');
  generator = await runGeneratorMeasure({
    quick,
    workDir,
    log,
    ...(values['per-file'] ? { perFile: true } : {}),
  });
}

const custom = ['n', 'rounds', 'idle', 'rate', 'seconds', 'only', 'measures'].some(
  (k) => values[k as keyof typeof values] !== undefined,
);
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
  durationSeconds: (performance.now() - t0) / 1000,
  ...(existsSync(path.join(benchDir, 'findings.md'))
    ? { findings: readFileSync(path.join(benchDir, 'findings.md'), 'utf8') }
    : {}),
};
const jsonFile = path.join(resultsDir, `${stamp}.json`);
writeFileSync(jsonFile, JSON.stringify(run, null, 2));
log(`results: ${path.relative(repoRoot, jsonFile)}`);
if (!values['no-report']) {
  writeReport(run, path.join(repoRoot, 'BENCHMARKS.md'));
  log('BENCHMARKS.md regenerated');
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
