/**
 * kopf-gen's own benchmark (not a test): wall time and peak RSS over the whole CRD corpus, in one
 * process, side by side with `kfc crd` (kubernetes-fluent-client) and `cdk8s import` (cdk8s-cli)
 * driven the same way, reported as ratios. The peers live in ~/.cache/kopf-ts/bench/peers (installed
 * by `npm run bench -- --measures generator`, or: `npm install --prefix ~/.cache/kopf-ts/bench/peers
 * kubernetes-fluent-client@3.11.11 cdk8s-cli@2.207.60`), never in the repository.
 *
 *   node bench/generator/run.ts [--repeat N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findCorpus } from '../lib/corpus.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const corpus =
  findCorpus(repoRoot) ?? fail('no shared/crd-corpus found above the checkout (set BENCH_CRD_CORPUS)');
function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
const peersDir = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
  'kopf-ts',
  'bench',
  'peers',
);
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' } } });
const repeat = Math.max(1, Number(values.repeat));

function corpusFiles(): string[] {
  const rows = readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows.map((row) => path.join(corpus, row.split('\t')[4]!));
}

interface Measured {
  wallSeconds: number;
  peakRssMiB: number;
  summary: Record<string, unknown> | undefined;
}

/** One run under GNU time: wall seconds and max RSS of the whole process. */
function measure(args: string[], outDir: string): Measured {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const timeFile = path.join(os.tmpdir(), `kopf-gen-bench-${process.pid}`);
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const peakRssMiB = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) / 1024;
  rmSync(outDir, { recursive: true, force: true });
  let summary: Record<string, unknown> | undefined;
  try {
    summary = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    summary = undefined;
  }
  return { wallSeconds, peakRssMiB, summary };
}

const files = corpusFiles();
const out = path.join(os.tmpdir(), `kopf-gen-bench-out-${process.pid}`);
const tools: Array<{ id: string; args: (dir: string) => string[] }> = [
  { id: 'kopf-gen', args: (dir) => [path.join(import.meta.dirname, 'corpus-driver.ts'), dir, ...files] },
];
const peerDrivers = path.join(repoRoot, 'bench', 'lib', 'peers');
if (existsSync(path.join(peersDir, 'node_modules')) && existsSync(peerDrivers)) {
  tools.push(
    { id: 'kfc crd', args: (dir) => [path.join(peerDrivers, 'kfc.ts'), peersDir, dir, ...files] },
    {
      id: 'cdk8s import',
      args: (dir) => [path.join(import.meta.dirname, 'cdk8s-driver.ts'), peersDir, dir, ...files],
    },
  );
} else {
  console.error(`peers not installed in ${peersDir} (or bench/lib/peers missing): measuring kopf-gen alone`);
}

const results: Array<{ id: string; runs: Measured[]; best: Measured }> = [];
for (const tool of tools) {
  const runs: Measured[] = [];
  // Interleaving would be fairer on a noisy machine, but each tool's runs share a warm file cache this way.
  for (let i = 0; i < repeat; i++)
    runs.push(measure(tool.args(path.join(out, tool.id.replace(/\W+/g, '-'))), path.join(out, 'x')));
  const best = runs.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));
  results.push({ id: tool.id, runs, best });
  console.error(
    `${tool.id}: best of ${repeat}: ${best.wallSeconds.toFixed(2)} s, ${best.peakRssMiB.toFixed(0)} MiB`,
  );
}
rmSync(out, { recursive: true, force: true });

const base = results[0]!.best;
const lines = [
  `CRD corpus: ${files.length} files (${corpus}); Node ${process.version}; ${os.cpus().length} cores; best of ${repeat}`,
  '',
  '| tool | wall | peak RSS | wall vs kopf-gen | RSS vs kopf-gen | files accepted |',
  '|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.id} | ${r.best.wallSeconds.toFixed(2)} s | ${r.best.peakRssMiB.toFixed(0)} MiB | ` +
      `${(r.best.wallSeconds / base.wallSeconds).toFixed(2)}× | ${(r.best.peakRssMiB / base.peakRssMiB).toFixed(2)}× | ` +
      `${String(r.best.summary?.accepted ?? '?')}/${files.length} |`,
  ),
];
console.log(lines.join('\n'));
const resultsDir = path.join(repoRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(
  path.join(resultsDir, `generator-${stamp}.json`),
  JSON.stringify({ files: files.length, results }, null, 2),
);
