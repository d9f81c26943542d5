/**
 * Where kopf-ts's memory per object goes (diagnosis, not a measure): the kopf-ts contender is run
 * against the local cluster, and V8 heap snapshots are taken at 0 objects and after two equal sets of
 * handled objects (each followed by the idle wait of the memory measure). Prints RSS and live heap at
 * each step, bytes per object (the difference of the two sets), the heap's biggest kinds, and who
 * retains the strings of one sample object (its name), innermost first.
 *
 * With `--no-snapshots` (faster, and no snapshot's own memory in the later steps' RSS) only the memory
 * details are printed: at each step, right after the burst that handled its objects and after the idle
 * wait, `process.memoryUsage()`, V8's heap spaces (committed/used) and /proc's smaps_rollup of the
 * operator (the contender writes them on SIGWINCH, see BENCH_MEMORY_FILE in bench/contenders/kopf-ts/operator.ts).
 *
 *   node bench/retention.ts [--n 1000] [--keep] [--no-snapshots] [--node-flags=--max-semi-space-size=2]
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
    'no-snapshots': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const snapshots = !values['no-snapshots'];
const workDir = path.join(benchDir, 'results', `retention-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(workDir, { recursive: true });
const log = (line: string): void => void process.stderr.write(`[retention] ${line}\n`);

process.env['BENCH_KOPF_TS_NODE_FLAGS'] =
  `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${workDir} ${values['node-flags']}`.trim();
const memoryFile = path.join(workDir, 'memory.json');
process.env['BENCH_MEMORY_FILE'] = memoryFile;
const cluster = await startLocalCluster({ progress: (line) => log(`  ${line}`) });
const kube = new Kube(cluster);
const observer = new Observer(kube);
await kopfTs.prepare((line) => log(`  ${line}`));
const child = kopfTs.start({
  kubeconfig: cluster.kubeconfig,
  clusterJson: '',
  counterFile: path.join(workDir, 'count'),
  logFile: path.join(workDir, 'kopf-ts.log'),
});
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

interface MemoryDetails {
  usage: NodeJS.MemoryUsage;
  spaces: Record<string, { size: number; used: number }>;
  smaps: Record<string, number>;
  mappings: Record<string, number>;
}

/** The operator's own view of its memory (written when asked), as one line: committed/used per space. */
async function details(label: string): Promise<string> {
  rmSync(memoryFile, { force: true });
  child.kill('SIGWINCH'); // the contender writes the file when asked
  while (!existsSync(memoryFile)) await sleep(100);
  const d = JSON.parse(readFileSync(memoryFile, 'utf8')) as MemoryDetails;
  const m = (bytes: number | undefined): string => ((bytes ?? 0) / 2 ** 20).toFixed(1);
  const spaces = Object.entries(d.spaces)
    .filter(([, s]) => s.size >= 2 ** 20)
    .map(([name, s]) => `${name.replace(/_space$/, '')} ${m(s.size)}/${m(s.used)}`)
    .join(', ');
  return (
    `${label}: rss ${m(d.usage.rss)} (anon ${m(d.smaps['Anonymous'])}, file ${m(d.smaps['Rss']! - d.smaps['Anonymous']!)}); ` +
    `heapTotal ${m(d.usage.heapTotal)}, heapUsed ${m(d.usage.heapUsed)}, external ${m(d.usage.external)}, ` +
    `arrayBuffers ${m(d.usage.arrayBuffers)}; spaces committed/used: ${spaces}; resident anonymous mappings: ` +
    `${Object.entries(d.mappings)
      .map(([kind, bytes]) => `${kind} ${m(bytes)}`)
      .join(', ')} (MiB)`
  );
}
const memoryLines: string[] = [];

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
  memoryLines.push(await details(`${namespace}, right after the burst`));
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
    memoryLines.push(await details(`${label}, idle`));
    log(memoryLines[memoryLines.length - 1]!);
    if (!snapshots) {
      steps.push({ label, objects, rss, heap: NaN, file: '' });
      continue;
    }
    const file = await snapshot(label);
    const heap = findRetainers(file, '\u0000never').totalBytes;
    steps.push({ label, objects, rss, heap, file });
    log(`${label}: RSS ${mib(rss)}, live heap ${mib(heap)}`);
  }
  // Does the memory come back down? RSS every 2 s for 30 s after the idle step.
  const timeline: string[] = [];
  for (let i = 0; i < 15; i++) {
    await sleep(2000);
    timeline.push((treeMemory(child.pid ?? -1).rss / 2 ** 20).toFixed(0));
  }
  memoryLines.push(`${2 * n} objects, RSS every 2 s after the idle step (MiB): ${timeline.join(' ')}`);
  memoryLines.push(await details(`${2 * n} objects, 30 s later`));
  const lines = snapshots ? retentionReport() : [];
  lines.unshift(
    `# kopf-ts memory (${new Date().toISOString()}; node flags: ${values['node-flags'] || 'none'})`,
    '',
    ...memoryLines.map((line) => `- ${line}`),
    '',
  );
  writeFileSync(path.join(workDir, snapshots ? 'retention.md' : 'memory.md'), lines.join('\n') + '\n');
  process.stdout.write(lines.join('\n') + '\n');
} finally {
  child.kill('SIGTERM');
  observer.stop();
  kube.close();
  await cluster.stop();
  if (!values.keep) for (const step of steps) if (existsSync(step.file)) rmSync(step.file, { force: true });
}

/** Live heap per object and who retains one object's strings, from the heap snapshots of the steps. */
function retentionReport(): string[] {
  const [zero, first, second] = steps as [(typeof steps)[0], (typeof steps)[0], (typeof steps)[0]];
  const perObject = (second.heap - first.heap) / n;
  const marker = 'obj-000123';
  const report = findRetainers(second.file, marker, 15);
  return [
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
}
