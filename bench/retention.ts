/**
 * Where kopf-ts's memory per object goes (diagnosis, not a measure): the kopf-ts contender is run
 * against the local cluster, and V8 heap snapshots are taken at 0 objects and after two equal sets of
 * handled objects (each followed by the idle wait of the memory measure). Prints RSS and live heap at
 * each step, bytes per object (the difference of the two sets), the heap's biggest kinds, and who
 * retains the strings of one sample object (its name), innermost first.
 *
 *   node bench/retention.ts [--n 1000] [--keep] [--node-flags=--max-semi-space-size=2]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyYaml, startLocalCluster, waitForCrd } from '../runtime/testing/index.ts';
import { benchDir, kopfTs } from './lib/contenders.ts';
import { summarizeHeap } from './lib/heapsnapshot.ts';
import { CRD_NAME, Kube, sleep } from './lib/kube.ts';
import { Observer } from './lib/observer.ts';
import { treeMemory } from './lib/proc.ts';
import { findRetainers } from './lib/retainers.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const n = Number(values.n);
const workDir = path.join(benchDir, 'results', `retention-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(workDir, { recursive: true });
const log = (line: string): void => void process.stderr.write(`[retention] ${line}\n`);

process.env['BENCH_KOPF_TS_NODE_FLAGS'] =
  `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${workDir} ${values['node-flags']}`.trim();
const cluster = await startLocalCluster({ progress: (line) => log(`  ${line}`) });
const kube = new Kube(cluster);
const observer = new Observer(kube);
const child = kopfTs.start({
  kubeconfig: cluster.kubeconfig,
  clusterJson: '',
  counterFile: path.join(workDir, 'count'),
  logFile: path.join(workDir, 'kopf-ts.log'),
});
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Ask for a snapshot (the process writes it synchronously) and wait until the file is complete. */
async function snapshot(label: string): Promise<string> {
  const before = new Set(readdirSync(workDir));
  child.kill('SIGUSR2');
  for (;;) {
    await sleep(500);
    const file = readdirSync(workDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const full = path.join(workDir, file);
    const size = statSync(full).size;
    await sleep(1000);
    if (statSync(full).size === size && size > 0) {
      log(`${label}: snapshot ${path.relative(process.cwd(), full)}`);
      return full;
    }
  }
}

async function fill(namespace: string, count: number): Promise<string[]> {
  await kube.createNamespace(namespace);
  const keys: string[] = [];
  for (let i = 0; i < count; i += 32) {
    const batch = Array.from({ length: Math.min(32, count - i) }, (_, j) => i + j);
    await Promise.all(batch.map((k) => kube.create(namespace, `obj-${String(k).padStart(6, '0')}`, k)));
    keys.push(...batch.map((k) => `${namespace}/obj-${String(k).padStart(6, '0')}`));
  }
  const handled = await observer.waitHandled(keys, 600_000);
  log(`${namespace}: ${handled}/${count} handled`);
  await sleep(8000); // per-object workers expire after 5 s (queueing.idleTimeout)
  return keys;
}

const steps: Array<{ label: string; objects: number; rss: number; heap: number; file: string }> = [];
try {
  await applyYaml(cluster.kubeConfig(), readFileSync(path.join(benchDir, 'crd.yaml'), 'utf8'));
  await waitForCrd(cluster.kubeConfig(), CRD_NAME);
  await observer.start();
  await fill('retention-warm', 1);
  for (const [label, objects, namespace] of [
    ['0 objects', 0, undefined],
    [`${n} objects`, n, 'retention-a'],
    [`${2 * n} objects`, 2 * n, 'retention-b'],
  ] as const) {
    if (namespace) await fill(namespace, n);
    const rss = treeMemory(child.pid ?? -1).rss;
    const file = await snapshot(label);
    const heap = findRetainers(file, '\u0000never').totalBytes;
    steps.push({ label, objects, rss, heap, file });
    log(`${label}: RSS ${mib(rss)}, live heap ${mib(heap)}`);
  }
  const [zero, first, second] = steps as [(typeof steps)[0], (typeof steps)[0], (typeof steps)[0]];
  const perObject = (second.heap - first.heap) / n;
  const marker = 'obj-000123';
  const report = findRetainers(second.file, marker, 15);
  const lines = [
    `# kopf-ts retention (${new Date().toISOString()}; node flags: ${values['node-flags'] || 'none'})`,
    '',
    ...steps.map((s) => `- ${s.label}: RSS ${mib(s.rss)}, live heap ${mib(s.heap)}`),
    `- live heap per object: ${perObject.toFixed(0)} bytes (from ${first.label} to ${second.label}); ` +
      `RSS per 1,000 objects: ${mib(((second.rss - first.rss) / n) * 1000)}; at 0 objects: ${mib(zero.rss)}`,
    '',
    `Strings containing ${marker} (one object's name) with ${second.label}: ${report.copies} (${report.copiesBytes} bytes; ` +
      `two live objects match: retention-a and retention-b). Retainer chains, innermost first:`,
    '',
    '```',
    ...report.chains.map((c) => `${String(c.count).padStart(4)}×  ${c.chain}`),
    '```',
    '',
    '```',
    summarizeHeap(second.file, 25),
    '```',
  ];
  writeFileSync(path.join(workDir, 'retention.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  child.kill('SIGTERM');
  observer.stop();
  kube.close();
  await cluster.stop();
  if (!values.keep) for (const step of steps) if (existsSync(step.file)) rmSync(step.file, { force: true });
}
