/** BENCHMARKS.md answers every target of issue #11: a missed one with its hand-written why. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import {
  MISSED_TARGETS_FILE,
  parseMissedTargets,
  renderReport,
  targets,
  type BenchRun,
} from '../../bench/lib/report.ts';
import { chartSpecs } from '../../bench/lib/charts.ts';
import type { ContenderResult, ScaleResult } from '../../bench/lib/session.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

function contender(id: string, more: Partial<ContenderResult> = {}): ContenderResult {
  return { id, title: id, available: true, errors: [], ...more };
}

function run(contenders: ContenderResult[]): BenchRun {
  return {
    timestamp: '2026-11-30T10:00:00.000Z',
    mode: 'full',
    sizes: {
      throughputN: 1000,
      throughputRounds: 3,
      latencyRate: 50,
      latencySeconds: 60,
      idleObjects: 10_000,
      createConcurrency: 32,
      scaleObjects: 100_000,
      scaleCapSeconds: 600,
      shardingObjects: 2000,
    },
    measures: ['memory', 'scale'],
    machine: { cpuModel: 'test', cores: 2, memoryGiB: 8, kernel: 'test' },
    versions: {},
    contenders,
    durationSeconds: 60,
  };
}

const MiB = 2 ** 20;
const idle = (rssMiB: number): ContenderResult['idle'] => ({
  objects: 10_000,
  handled: 10_000,
  fillSeconds: 100,
  rssBytes: rssMiB * MiB,
  sockets: 1,
});
const scale = (more: Partial<ScaleResult>): ScaleResult => ({
  objects: 100_000,
  catchUpSeconds: 60,
  sentinelSeconds: 55,
  quietSeconds: 60,
  handlerRuns: 0,
  patchCalls: 20,
  cpuSeconds: 30,
  capSeconds: 600,
  finished: true,
  peakRssBytes: 300 * MiB,
  ...more,
});

test('a missed target is explained by its section of the missed-targets file', () => {
  const report = renderReport({
    ...run([
      contender('kopf-ts', { idle: idle(150) }),
      contender('controller-runtime', { idle: idle(60) }),
      contender('kopf', { idle: idle(400) }),
    ]),
    missedTargets: parseMissedTargets(
      '# Why\n\n## idle-rss-vs-controller-runtime\n\nThe start-up: 113 MiB.\n',
    ),
  });
  expect(report).toContain(
    '| Idle RSS with 10,000 objects vs controller-runtime | ≤ 1.5× | 2.50× (150.0 vs 60.0 MiB) | **missed** |',
  );
  expect(report).toMatch(
    /- \*\*Idle RSS with 10,000 objects vs controller-runtime\*\* .*: The start-up: 113 MiB\./,
  );
});

test('a missed target without a section says where its explanation goes', () => {
  const report = renderReport(
    run([contender('kopf-ts', { idle: idle(300) }), contender('kopf', { idle: idle(400) })]),
  );
  expect(report).toContain('add a `## idle-rss-vs-kopf` section to bench/missed-targets.md');
});

test('every section of the committed missed-targets file names a target of the report', () => {
  const ids = new Set(targets(run([])).map((t) => t.id));
  const sections = parseMissedTargets(readFileSync(path.join(repoRoot, MISSED_TARGETS_FILE), 'utf8'));
  expect(Object.keys(sections).length).toBeGreaterThan(0);
  for (const id of Object.keys(sections)) expect(ids).toContain(id);
});

test('a contender that does not catch up with 100,000 objects in its cap is reported with how far it got', () => {
  const rows = targets(
    run([
      contender('kopf-ts', { baselineRssBytes: 110 * MiB, scale: scale({ rssBytes: 130 * MiB }) }),
      contender('controller-runtime', { scale: scale({ rssBytes: 1400 * MiB }) }),
      contender('kopf', {
        scale: scale({ finished: false, catchUpSeconds: 600, reached: 40_000, rssAtEndBytes: 900 * MiB }),
      }),
    ]),
  );
  const catchUp = rows.find((t) => t.id === 'scale-catch-up')!;
  expect(catchUp.met).toBe(true);
  expect(catchUp.value).toContain('kopf did not finish in 600 s (reached object 40,000 of 100,000)');
  const rss = rows.find((t) => t.id === 'scale-rss')!;
  expect(rss.met).toBe('reported');
  expect(rss.value).toBe(
    'kopf-ts 130.0 MiB (0.2 MiB per 1,000); controller-runtime 1400.0 MiB; kopf 900.0 MiB when stopped (not caught up)',
  );
});

test('RSS at 0 objects and per 1,000 objects are reported for every contender', () => {
  const rows = targets(
    run([
      contender('kopf-ts', { baselineRssBytes: 110 * MiB, idle: idle(130) }),
      contender('raw', {
        baselineRssBytes: 80 * MiB,
        throughput: {
          n: 1000,
          rounds: [],
          handled: 1000,
          createSeconds: 2,
          seconds: 5,
          objectsPerSecond: 200,
          peakRssBytes: 150 * MiB,
          hwmBytes: 150 * MiB,
          cpuSeconds: 1,
          rssAfterBurstBytes: 90 * MiB,
          peakSockets: 1,
        },
      }),
    ]),
  );
  expect(rows.find((t) => t.id === 'rss-at-0-and-slope')!.value).toBe(
    'kopf-ts: 110.0 MiB at 0, 2.0 MiB per 1,000; raw: 80.0 MiB at 0, 10.0 MiB per 1,000 (30 s after the burst)',
  );
});

test('the chart of RSS against watched objects has the 100,000-object point of every contender that caught up', () => {
  const specs = chartSpecs(
    run([
      contender('kopf-ts', {
        baselineRssBytes: 110 * MiB,
        idle: idle(130),
        scale: scale({ rssBytes: 140 * MiB }),
      }),
      contender('kopf', {
        baselineRssBytes: 44 * MiB,
        scale: scale({ finished: false, rssAtEndBytes: 900 * MiB }),
      }),
    ]),
  );
  const chart = specs.find((s) => s.file === 'rss-per-objects.svg')!.spec as { data: { values: unknown[] } };
  expect(chart.data.values).toEqual([
    { contender: 'kopf-ts', objects: 0, mib: 110 },
    { contender: 'kopf-ts', objects: 10_000, mib: 130 },
    { contender: 'kopf-ts', objects: 100_000, mib: 140 },
    { contender: 'kopf', objects: 0, mib: 44 },
  ]);
});
