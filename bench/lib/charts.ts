/**
 * Charts of a run, rendered to SVG files with vega-lite (compiled to a vega spec) and vega's SVG
 * renderer — no browser, no canvas. The libraries (vega 6.4.0 + vega-lite 6.4.3: 79 packages, 25 MB
 * installed) are bench-only, so they are installed once into ~/.cache/kopf-ts/bench/charts like the
 * generator peers, never into the project's dependencies or an operator's image.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { slope, type BenchRun } from './report.ts';
import type { ContenderResult } from './session.ts';

const VERSIONS = { vega: '6.4.0', 'vega-lite': '6.4.3' };
const chartsDir = path.join(
  process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
  'kopf-ts',
  'bench',
  'charts',
);

/** The parts of vega and vega-lite used here. */
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string> };
}
interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}

async function loadLibraries(log: (line: string) => void): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  const installed = (name: string): boolean =>
    existsSync(path.join(chartsDir, 'node_modules', name, 'package.json'));
  if (!installed('vega') || !installed('vega-lite')) {
    log(`charts: installing vega ${VERSIONS.vega} + vega-lite ${VERSIONS['vega-lite']} into ${chartsDir}`);
    mkdirSync(chartsDir, { recursive: true });
    const npm = spawnSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefix',
        chartsDir,
        ...Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`),
      ],
      { encoding: 'utf8' },
    );
    if (npm.status !== 0)
      throw new Error(`npm install of vega failed: ${(npm.stderr || npm.stdout).slice(-500)}`);
  }
  const require = createRequire(path.join(chartsDir, 'package.json'));
  const load = async <T>(name: string): Promise<T> =>
    (await import(pathToFileURL(require.resolve(name)).href)) as T;
  return { vega: await load<Vega>('vega'), vegaLite: await load<VegaLite>('vega-lite') };
}

const mib = (bytes: number | undefined): number | undefined =>
  bytes === undefined || !Number.isFinite(bytes) ? undefined : Math.round((bytes / 2 ** 20) * 10) / 10;

const FONT = { config: { font: 'sans-serif', view: { stroke: null } } };

/** The vega-lite specs of a run's charts (data inline), by file name. */
export function chartSpecs(run: BenchRun): Array<{ file: string; title: string; spec: object }> {
  const available = run.contenders.filter((c) => c.available);
  const specs: Array<{ file: string; title: string; spec: object }> = [];
  const memory = available.flatMap((c) => {
    const points: Array<{ contender: string; objects: number; mib: number }> = [];
    const at0 = mib(c.baselineRssBytes);
    const idle = mib(c.idle?.rssBytes);
    if (at0 !== undefined) points.push({ contender: c.title, objects: 0, mib: at0 });
    if (idle !== undefined && c.idle) points.push({ contender: c.title, objects: c.idle.objects, mib: idle });
    // The 100,000-object measure, when the contender caught up within its cap.
    const scaled = c.scale?.finished ? mib(c.scale.rssBytes) : undefined;
    if (c.scale && scaled !== undefined)
      points.push({ contender: c.title, objects: c.scale.objects, mib: scaled });
    return points;
  });
  if (memory.length) {
    specs.push({
      file: 'rss-per-objects.svg',
      title: 'Idle RSS against watched objects',
      spec: {
        ...FONT,
        title: 'Idle RSS (MiB) against watched objects',
        width: 420,
        height: 260,
        data: { values: memory },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'objects', type: 'quantitative', title: 'objects' },
          y: { field: 'mib', type: 'quantitative', title: 'RSS (MiB)' },
          color: { field: 'contender', type: 'nominal', title: null, sort: null },
        },
      },
    });
  }
  const perContender = (value: (c: ContenderResult) => number | undefined, field: string) =>
    available.flatMap((c) => {
      const v = value(c);
      return v === undefined || !Number.isFinite(v)
        ? []
        : [{ contender: c.title, [field]: Math.round(v * 100) / 100 }];
    });
  const bars = (field: string, title: string, values: object[]) => ({
    title,
    width: 220,
    height: 160,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'contender', type: 'nominal', title: null, sort: null },
      x: { field, type: 'quantitative', title: null },
      color: { field: 'contender', type: 'nominal', legend: null, sort: null },
    },
  });
  const throughput = perContender((c) => c.throughput?.objectsPerSecond, 'objects/s');
  const cpu = perContender(
    (c) => (c.throughput ? (c.throughput.cpuSeconds * 1000) / c.throughput.n : undefined),
    'ms',
  );
  if (throughput.length) {
    specs.push({
      file: 'throughput-and-cpu.svg',
      title: 'Throughput and CPU per object',
      spec: {
        ...FONT,
        hconcat: [
          bars('objects/s', `Throughput (objects/s, median of ${run.sizes.throughputRounds})`, throughput),
          bars('ms', 'Operator CPU per object (ms)', cpu),
        ],
      },
    });
  }
  const burst = available.flatMap((c) =>
    [
      { contender: c.title, when: `peak during the burst`, mib: mib(c.throughput?.peakRssBytes) },
      { contender: c.title, when: '30 s later', mib: mib(c.throughput?.rssAfterBurstBytes) },
      { contender: c.title, when: 'per 1,000 idle objects', mib: slope(c) },
    ].filter((p) => p.mib !== undefined && Number.isFinite(p.mib)),
  );
  if (burst.length) {
    specs.push({
      file: 'burst-memory.svg',
      title: 'Memory of a burst, and per 1,000 objects',
      spec: {
        ...FONT,
        title: `RSS (MiB): a ${run.sizes.throughputN.toLocaleString('en')}-object burst, 30 s later, and per 1,000 idle objects`,
        data: { values: burst },
        mark: 'bar',
        width: 130,
        height: 150,
        encoding: {
          column: { field: 'when', type: 'nominal', title: null, sort: null },
          y: { field: 'contender', type: 'nominal', title: null, sort: null },
          x: { field: 'mib', type: 'quantitative', title: 'MiB' },
          color: { field: 'contender', type: 'nominal', legend: null, sort: null },
        },
      },
    });
  }
  return specs;
}

/** Render the run's charts into `dir`; returns them with paths relative to `relativeTo`. */
export async function renderCharts(
  run: BenchRun,
  dir: string,
  relativeTo: string,
  log: (line: string) => void,
): Promise<Array<{ title: string; file: string }>> {
  const specs = chartSpecs(run);
  if (!specs.length) return [];
  const { vega, vegaLite } = await loadLibraries(log);
  mkdirSync(dir, { recursive: true });
  const out: Array<{ title: string; file: string }> = [];
  for (const { file, title, spec } of specs) {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    writeFileSync(path.join(dir, file), (await view.toSVG()) + '\n');
    out.push({ title, file: path.relative(relativeTo, path.join(dir, file)) });
  }
  return out;
}
