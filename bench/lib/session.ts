/** Runs the cluster measures (1–5) for one contender against the shared local cluster. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Contender, StartContext } from './contenders.ts';
import { sleep, type Kube } from './kube.ts';
import { deltaCounts, parseRequestTotals, type RequestCounts } from './metrics.ts';
import type { Observer } from './observer.ts';
import { RssSampler, treeCpuSeconds, treeMemory, treeSockets } from './proc.ts';

export interface Sizes {
  throughputN: number;
  throughputRounds: number;
  latencyRate: number;
  latencySeconds: number;
  idleObjects: number;
  createConcurrency: number;
}

export interface ThroughputRound {
  handled: number;
  seconds: number;
  createSeconds: number;
  objectsPerSecond: number;
}

export interface ThroughputResult {
  /** Objects per round; the other numbers are the median round's, except the process-wide ones. */
  n: number;
  rounds: ThroughputRound[];
  handled: number;
  createSeconds: number;
  seconds: number;
  objectsPerSecond: number;
  peakRssBytes: number;
  hwmBytes: number;
  cpuSeconds: number;
  /** Most sockets the operator process tree had open at once (sampled every 200 ms). */
  peakSockets: number;
}

export interface LatencyResult {
  rate: number;
  seconds: number;
  n: number;
  handled: number;
  achievedRate: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface IdleResult {
  objects: number;
  handled: number;
  fillSeconds: number;
  rssBytes: number;
  /** Open sockets while idle. */
  sockets: number;
}

export interface RestartResult {
  objects: number;
  catchUpSeconds: number;
  sentinelSeconds: number;
  quietSeconds: number;
  handlerRuns: number;
  patchCalls: number;
  cpuSeconds: number;
  readyBeforeStopHandlerRuns: number;
}

export interface ApiCallsResult {
  objects: number;
  perObject: number;
  byKind: Record<string, number>;
}

export interface ContenderResult {
  id: string;
  title: string;
  version?: string;
  notes?: string;
  available: boolean;
  reason?: string;
  errors: string[];
  startupSeconds?: number;
  throughput?: ThroughputResult;
  apiCalls?: ApiCallsResult;
  latency?: LatencyResult;
  idle?: IdleResult;
  restart?: RestartResult;
  /** /proc/loadavg (1-min) when the contender started and when it was done: the machine is shared. */
  loadAverage?: { start: number; end: number };
  /** Summary of the CPU profile, when run with --profile. */
  profile?: string;
}

export interface SessionOptions {
  kube: Kube;
  observer: Observer;
  sizes: Sizes;
  measures: Set<string>;
  workDir: string;
  baseContext: Omit<StartContext, 'counterFile' | 'logFile'>;
  log: (line: string) => void;
}

let namespaceCounter = 0;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function readCounter(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

class Running {
  child: ChildProcess;
  exited = false;
  exitCode: number | null = null;
  startedAt: number;
  counterFile: string;
  logFile: string;
  constructor(child: ChildProcess, counterFile: string, logFile: string) {
    this.child = child;
    this.counterFile = counterFile;
    this.logFile = logFile;
    this.startedAt = performance.now();
    child.on('exit', (code) => {
      this.exited = true;
      this.exitCode = code;
    });
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  handlerRuns(): number {
    return readCounter(this.counterFile);
  }
  logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timeout = sleep(20_000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Create objects `name-<i>` with a pool of concurrent requests; returns when all are stored. */
async function createMany(
  kube: Kube,
  namespace: string,
  prefix: string,
  n: number,
  concurrency: number,
): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(`${namespace}/${prefix}-${String(i).padStart(6, '0')}`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await kube.create(namespace, `${prefix}-${String(i).padStart(6, '0')}`, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return keys;
}

export async function runSession(contender: Contender, options: SessionOptions): Promise<ContenderResult> {
  const { kube, observer, sizes, measures, log } = options;
  const result: ContenderResult = { id: contender.id, title: contender.title, available: false, errors: [] };
  try {
    const prepared = await contender.prepare((line) => log(`  ${line}`));
    result.version = prepared.version;
    if (prepared.notes) result.notes = prepared.notes;
  } catch (error) {
    result.reason = error instanceof Error ? error.message : String(error);
    log(`${contender.id}: not available: ${result.reason}`);
    return result;
  }

  const loadStart = loadAverage();
  const run = namespaceCounter++;
  const ns = (what: string): string => `bench-${run}-${contender.id}-${what}`.slice(0, 63);
  const namespaces: string[] = [];
  const newNamespace = async (what: string): Promise<string> => {
    const name = ns(what);
    await kube.createNamespace(name);
    namespaces.push(name);
    return name;
  };
  let generation = 0;
  const start = (): Running => {
    generation++;
    const counterFile = path.join(options.workDir, `${contender.id}.${generation}.count`);
    rmSync(counterFile, { force: true });
    const logFile = path.join(options.workDir, `${contender.id}.log`);
    const child = contender.start({ ...options.baseContext, counterFile, logFile });
    return new Running(child, counterFile, logFile);
  };

  const warm = await newNamespace('warm');
  let proc = start();
  try {
    // Ready = the first object is handled (includes start-up: imports, discovery, list+watch).
    const t0 = performance.now();
    await kube.create(warm, 'warmup-0', 0);
    const ready = await waitHandledOrExit(observer, [`${warm}/warmup-0`], proc, 180_000);
    if (!ready)
      throw new Error(
        `did not handle its first object within 180 s${proc.exited ? ` (exited with ${proc.exitCode})` : ''}:\n${proc.logTail()}`,
      );
    result.startupSeconds = (performance.now() - t0) / 1000;
    result.available = true;
    log(`${contender.id}: ready in ${result.startupSeconds.toFixed(2)} s (pid ${proc.pid})`);

    if (measures.has('throughput') || measures.has('api-calls')) {
      // Several rounds (fresh namespace each, objects kept until the idle measure): the machine is shared
      // and one burst is noisy; the median round is reported, all rounds are listed.
      const n = sizes.throughputN;
      const before = parseRequestTotals(await kube.metrics());
      const oursBefore = new Map(kube.issued);
      const sampler = new RssSampler(proc.pid, 50);
      const cpu0 = treeCpuSeconds(proc.pid);
      const rounds: ThroughputRound[] = [];
      for (let round = 0; round < sizes.throughputRounds; round++) {
        const namespace = await newNamespace(`tp${round}`);
        const t1 = performance.now();
        const keys = await createMany(kube, namespace, 'tp', n, sizes.createConcurrency);
        const createSeconds = (performance.now() - t1) / 1000;
        const handled = await waitHandledOrExit(observer, keys, proc, Math.max(300_000, n * 200), (done) =>
          log(`${contender.id}: throughput: ${done}/${n} handled`),
        );
        const last = Math.max(...keys.map((key) => observer.handled.get(key) ?? 0));
        const seconds = (last - t1) / 1000;
        rounds.push({ handled, seconds, createSeconds, objectsPerSecond: handled / seconds });
        log(
          `${contender.id}: throughput round ${round + 1}/${sizes.throughputRounds}: ${handled}/${n} in ${seconds.toFixed(2)} s = ` +
            `${(handled / seconds).toFixed(1)} obj/s (created in ${createSeconds.toFixed(2)} s)`,
        );
        await sleep(1000);
      }
      const peakRssBytes = sampler.stop();
      const cpuSeconds = treeCpuSeconds(proc.pid) - cpu0;
      const sorted = [...rounds].sort((a, b) => a.objectsPerSecond - b.objectsPerSecond);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      result.throughput = {
        n,
        handled: median.handled,
        createSeconds: median.createSeconds,
        seconds: median.seconds,
        objectsPerSecond: median.objectsPerSecond,
        rounds,
        peakRssBytes,
        hwmBytes: treeMemory(proc.pid).hwm,
        cpuSeconds: cpuSeconds / rounds.length,
        peakSockets: sampler.peakSockets,
      };
      log(
        `${contender.id}: throughput (median of ${rounds.length}): ${result.throughput.objectsPerSecond.toFixed(1)} obj/s ` +
          `(peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB; CPU ${(cpuSeconds / rounds.length).toFixed(2)} s per round; ≤ ${sampler.peakSockets} sockets)`,
      );
      // Trailing calls (events, late patches) land shortly after the status.
      await sleep(3000);
      const ours = new Map<string, number>();
      for (const [key, value] of kube.issued) ours.set(key, value - (oursBefore.get(key) ?? 0));
      const delta = deltaCounts(before, parseRequestTotals(await kube.metrics()), ours);
      result.apiCalls = summarizeCalls(delta, n * rounds.length);
      log(
        `${contender.id}: API calls per object: ${result.apiCalls.perObject.toFixed(2)} ${JSON.stringify(result.apiCalls.byKind)}`,
      );
    }

    if (measures.has('latency')) {
      const namespace = await newNamespace('lat');
      const total = Math.round(sizes.latencyRate * sizes.latencySeconds);
      const acked = new Map<string, number>();
      const pending: Promise<void>[] = [];
      const t1 = performance.now();
      let issued = 0;
      while (issued < total) {
        const due = Math.min(total, Math.floor(((performance.now() - t1) / 1000) * sizes.latencyRate) + 1);
        while (issued < due) {
          const i = issued++;
          const name = `lat-${String(i).padStart(6, '0')}`;
          pending.push(
            kube
              .create(namespace, name, i)
              .then(() => void acked.set(`${namespace}/${name}`, performance.now())),
          );
        }
        await sleep(Math.max(1, 1000 / sizes.latencyRate / 2));
      }
      await Promise.all(pending);
      const achievedRate = total / ((performance.now() - t1) / 1000);
      const keys = [...acked.keys()];
      const handled = await waitHandledOrExit(observer, keys, proc, 120_000);
      const latencies = keys
        .filter((key) => observer.handled.has(key))
        .map((key) => Math.max(0, observer.handled.get(key)! - acked.get(key)!))
        .sort((a, b) => a - b);
      result.latency = {
        rate: sizes.latencyRate,
        seconds: sizes.latencySeconds,
        n: total,
        handled: handled || 0,
        achievedRate,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
        mean: latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1),
      };
      log(
        `${contender.id}: latency @${sizes.latencyRate}/s: p50 ${result.latency.p50.toFixed(1)} ms, p95 ${result.latency.p95.toFixed(1)} ms, ` +
          `p99 ${result.latency.p99.toFixed(1)} ms (${handled}/${total})`,
      );
    }

    // Drop the objects of measures 1–2 before filling the idle set, so RSS reflects the idle set alone.
    for (const namespace of namespaces.filter((name) => !name.endsWith('-warm')))
      await cleanNamespace(kube, observer, namespace, log);

    if (measures.has('memory') || measures.has('restart')) {
      const namespace = await newNamespace('idle');
      const m = sizes.idleObjects;
      const t1 = performance.now();
      const keys = await createMany(kube, namespace, 'idle', m, sizes.createConcurrency);
      const handled = await waitHandledOrExit(observer, keys, proc, Math.max(600_000, m * 200), (done) =>
        log(`${contender.id}: idle set: ${done}/${m} handled`),
      );
      const fillSeconds = (performance.now() - t1) / 1000;
      // Let per-object workers expire (Kopf: queueing.idle_timeout = 5 s) and the heap settle.
      await sleep(8000);
      let rss = 0;
      for (let i = 0; i < 10; i++) {
        rss += treeMemory(proc.pid).rss;
        await sleep(200);
      }
      result.idle = { objects: m, handled, fillSeconds, rssBytes: rss / 10, sockets: treeSockets(proc.pid) };
      log(
        `${contender.id}: idle with ${handled}/${m} objects: RSS ${(result.idle.rssBytes / 2 ** 20).toFixed(1)} MiB, ` +
          `${result.idle.sockets} open sockets (filled in ${fillSeconds.toFixed(1)} s)`,
      );

      if (measures.has('restart')) {
        const readyBeforeStopHandlerRuns = proc.handlerRuns();
        await proc.stop();
        // A sentinel created while the operator is down: the one object the restarted operator must handle.
        // Its name sorts after the others, so it comes last in the initial list.
        await kube.create(namespace, 'zzz-sentinel', -1);
        await sleep(500);
        const before = parseRequestTotals(await kube.metrics());
        proc = start();
        const t1 = proc.startedAt;
        const sentinelKey = `${namespace}/zzz-sentinel`;
        // CPU samples every 100 ms until the sentinel is handled and the process has been quiet for 1 s.
        const samples: Array<{ at: number; cpu: number }> = [];
        let sentinelAt = 0;
        const deadline = t1 + 600_000;
        while (performance.now() < deadline && !proc.exited) {
          samples.push({ at: performance.now(), cpu: treeCpuSeconds(proc.pid) });
          if (!sentinelAt && observer.handled.has(sentinelKey))
            sentinelAt = observer.handled.get(sentinelKey)!;
          if (sentinelAt && quietSince(samples, sentinelAt) !== undefined) break;
          await sleep(100);
        }
        const quietAt = quietSince(samples, sentinelAt) ?? performance.now();
        await sleep(1500); // the counter file is written every 200 ms
        const after = parseRequestTotals(await kube.metrics());
        const delta = deltaCounts(before, after);
        const patchCalls = [...delta]
          .filter(([key]) => key.startsWith('PATCH benchobjects') || key.startsWith('PUT benchobjects'))
          .reduce((a, [, v]) => a + v, 0);
        const runs = proc.handlerRuns();
        result.restart = {
          objects: m,
          catchUpSeconds: (Math.max(sentinelAt, quietAt) - t1) / 1000,
          sentinelSeconds: sentinelAt ? (sentinelAt - t1) / 1000 : NaN,
          quietSeconds: (quietAt - t1) / 1000,
          handlerRuns: Math.max(0, runs - 1),
          patchCalls,
          cpuSeconds: samples.length ? samples[samples.length - 1]!.cpu - samples[0]!.cpu : NaN,
          readyBeforeStopHandlerRuns,
        };
        log(
          `${contender.id}: restart with ${m} handled objects: caught up in ${result.restart.catchUpSeconds.toFixed(2)} s ` +
            `(sentinel ${result.restart.sentinelSeconds.toFixed(2)} s, quiet ${result.restart.quietSeconds.toFixed(2)} s); ` +
            `handler runs besides the sentinel: ${result.restart.handlerRuns}; PATCH calls: ${patchCalls}`,
        );
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result.errors.push(message);
    log(`${contender.id}: ERROR: ${message}`);
  } finally {
    // Objects are deleted while the contender still runs (it must release any finalizers it added).
    if (proc.exited && result.available) proc = start();
    for (const namespace of namespaces) await cleanNamespace(kube, observer, namespace, log);
    await proc.stop();
    result.loadAverage = { start: loadStart, end: loadAverage() };
    // Namespaces stay (empty): deleting them would set the namespace controller to work during the next
    // contender's measures. The whole cluster is discarded at the end of the run.
  }
  return result;
}

async function waitHandledOrExit(
  observer: Observer,
  keys: string[],
  proc: Running,
  timeoutMs: number,
  onProgress?: (done: number) => void,
): Promise<number> {
  const exit = new Promise<number>((resolve) => {
    if (proc.exited) resolve(-1);
    proc.child.once('exit', () => resolve(-1));
  });
  const done = await Promise.race([observer.waitHandled(keys, timeoutMs, onProgress), exit]);
  if (done < 0) throw new Error(`the operator exited (code ${proc.exitCode}):\n${proc.logTail()}`);
  return done;
}

/** The start of the first 1-s window at or after `from` in which the process used < 3 % of a core. */
function quietSince(samples: Array<{ at: number; cpu: number }>, from: number): number | undefined {
  if (!from) return undefined;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i]!.at < from - 100) continue;
    for (let j = i + 1; j < samples.length; j++) {
      const span = samples[j]!.at - samples[i]!.at;
      if (span < 1000) continue;
      if ((samples[j]!.cpu - samples[i]!.cpu) / (span / 1000) < 0.03) return samples[i]!.at;
      break;
    }
  }
  return undefined;
}

function summarizeCalls(delta: RequestCounts, n: number): ApiCallsResult {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const [key, value] of delta) {
    // Background traffic of the control plane (leases, controllers' lists) is not the operator's.
    if (
      !/ (benchobjects|events|namespaces|customresourcedefinitions|clusterkopfpeerings|kopfpeerings)/.test(
        key,
      )
    )
      continue;
    if (key.startsWith('WATCH ')) continue; // long-running; counted when they end, not per object
    if (value / n < 0.005) continue;
    byKind[key] = Math.round((value / n) * 100) / 100;
    total += value;
  }
  return { objects: n, perObject: total / n, byKind };
}

async function cleanNamespace(
  kube: Kube,
  observer: Observer,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  await kube
    .deleteCollection(namespace)
    .catch((error: unknown) => log(`  delete ${namespace}: ${String(error)}`));
  if (!(await observer.waitGone(namespace, 300_000)))
    log(`  WARNING: objects of ${namespace} are still there after 300 s`);
  observer.forget(namespace);
}

export function exists(file: string): boolean {
  return existsSync(file);
}

function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}
