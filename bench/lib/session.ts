/**
 * The cluster measures (1–5) of one contender against the shared local cluster, in phases. Each phase
 * runs a fresh operator process (ready = its warm-up object handled), measures, deletes its objects
 * while the operator still runs (it must release any finalizers it added), and stops it. The runner
 * interleaves the timed phases of all contenders (round 1 of A, B, C, then round 2 of A, B, C, …), so
 * that the machine's load, which drifts over minutes on a shared machine, does not favour one of them.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Contender, StartContext } from './contenders.ts';
import { createMany, sleep, type Kube } from './kube.ts';
import { deltaCounts, parseRequestTotals, type RequestCounts } from './metrics.ts';
import { cleanNamespace, type Observer } from './observer.ts';
import { milestoneNames, resetMilestones } from './scale.ts';
import {
  cpuDelta,
  RssSampler,
  settledRss,
  treeCpuByThread,
  treeCpuSeconds,
  treeMemory,
  treeSockets,
} from './proc.ts';

export interface Sizes {
  throughputN: number;
  throughputRounds: number;
  latencyRate: number;
  latencySeconds: number;
  idleObjects: number;
  createConcurrency: number;
  /** The 100,000-object measure: the handled set, and the cap of each contender's catch-up. */
  scaleObjects: number;
  scaleCapSeconds: number;
  /** Objects of the sharding measure (absent in runs from before it). */
  shardingObjects?: number;
  /** Warm-up objects each fresh process handles before a measure (absent in runs from before it: 50). */
  warmupObjects?: number;
}

export interface ThroughputRound {
  handled: number;
  seconds: number;
  createSeconds: number;
  objectsPerSecond: number;
  /** The operator's CPU from the first create until 2 s after the last status. */
  cpuSeconds?: number;
  /** Peak RSS of the operator during the burst. */
  peakRssBytes?: number;
}

export interface ThroughputResult {
  /** Objects per round; the other numbers are the median round's, except the process-wide ones. */
  n: number;
  rounds: ThroughputRound[];
  handled: number;
  createSeconds: number;
  seconds: number;
  objectsPerSecond: number;
  /** The highest RSS during any burst (round). */
  peakRssBytes: number;
  hwmBytes: number;
  /** Mean operator CPU per round. */
  cpuSeconds: number;
  /** RSS 30 s after the first round's burst: does the memory come back down? */
  rssAfterBurstBytes?: number;
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

/** The 100,000-object measure: a start with N handled objects in place (see `bench/lib/scale.ts`). */
export interface ScaleResult extends Omit<RestartResult, 'readyBeforeStopHandlerRuns'> {
  /** The time cap of the catch-up; when it passed first, the other numbers are what was reached by then. */
  capSeconds: number;
  finished: boolean;
  /** The process ended by itself during the catch-up (e.g. out of memory). */
  exited?: boolean;
  /** The new objects spread through the set, in listing order: when each was handled (s from start). */
  milestones?: Array<{ position: number; seconds?: number }>;
  /** How far the catch-up got: the position in the set of the last milestone handled. */
  reached?: number;
  /** RSS when the catch-up ended (or the cap passed), before the idle wait. */
  rssAtEndBytes?: number;
  /** RSS with the N objects watched, after the catch-up and the idle wait (when finished). */
  rssBytes?: number;
  /** The process's peak RSS (VmHWM) during the catch-up. */
  peakRssBytes: number;
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
  /** RSS with no objects but the warm-up one (a fresh process, 3 s after it was ready). */
  baselineRssBytes?: number;
  throughput?: ThroughputResult;
  apiCalls?: ApiCallsResult;
  latency?: LatencyResult;
  idle?: IdleResult;
  restart?: RestartResult;
  scale?: ScaleResult;
  /** /proc/loadavg (1-min) when the contender started and when it was done: the machine is shared. */
  loadAverage?: { start: number; end: number };
  /** Summary of the CPU profile, when run with --profile. */
  profile?: string;
}

export interface SessionOptions {
  kube: Kube;
  observer: Observer;
  sizes: Sizes;
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

/**
 * Idle RSS is read this long after the last object was handled: per-object workers expire (Kopf:
 * `queueing.idle_timeout` = 5 s) and a runtime that gives memory back when idle has done so (kopf-ts:
 * ~15–25 s after the last event, `runtime/reactor/idle-memory.ts`). It was 8 s until 2026-11-30.
 */
const IDLE_WAIT_MS = 30_000;
/** New objects spread through the 100,000-object set: how far a catch-up got when the cap passed. */
const SCALE_MILESTONES = 10;

/** Objects each fresh process handles before it is measured (the first one, alone, is its readiness). */
const WARMUP_OBJECTS = 50;

/** A started operator process of one phase. */
interface Phase {
  proc: Running;
  /** A fresh namespace of this phase (deleted, with its objects, when the phase ends). */
  newNamespace(what: string): Promise<string>;
}

/** One contender's measures, phase by phase; {@link ContenderSession.result} collects them. */
export class ContenderSession {
  readonly contender: Contender;
  readonly #options: SessionOptions;
  readonly #result: ContenderResult;
  readonly #run = namespaceCounter++;
  #generation = 0;
  #loadStart = NaN;
  readonly #rounds: ThroughputRound[] = [];
  #callsBefore: RequestCounts | undefined;
  #calls = new Map<string, number>();
  #hwm = 0;
  #startups: number[] = [];

  constructor(contender: Contender, options: SessionOptions) {
    this.contender = contender;
    this.#options = options;
    this.#result = { id: contender.id, title: contender.title, available: false, errors: [] };
  }

  get available(): boolean {
    return this.#result.available;
  }

  /** Install/build the contender; false (with the reason recorded) if it cannot run here. */
  async prepare(): Promise<boolean> {
    const { log } = this.#options;
    try {
      const prepared = await this.contender.prepare((line) => log(`  ${line}`));
      this.#result.version = prepared.version;
      if (prepared.notes) this.#result.notes = prepared.notes;
      this.#result.available = true;
      this.#loadStart = loadAverage();
      return true;
    } catch (error) {
      this.#result.reason = error instanceof Error ? error.message : String(error);
      log(`${this.contender.id}: not available: ${this.#result.reason}`);
      return false;
    }
  }

  /**
   * Measure 1 (and 5), one round: a burst of N objects into a fresh process. The first round also
   * measures the RSS at 0 objects (before the burst) and 30 s after the burst.
   */
  async throughputRound(round: number, context: Partial<StartContext> = {}): Promise<void> {
    const { kube, observer, sizes, log } = this.#options;
    const id = this.contender.id;
    await this.#phase(`tp${round}`, context, { baseline: round === 0 }, async ({ proc, newNamespace }) => {
      const n = sizes.throughputN;
      const namespace = await newNamespace(`tp${round}`);
      const before = parseRequestTotals(await kube.metrics());
      const oursBefore = new Map(kube.issued);
      const sampler = new RssSampler(proc.pid, 50);
      const cpu0 = treeCpuSeconds(proc.pid);
      const threads0 = treeCpuByThread(proc.pid);
      const t1 = performance.now();
      const keys = await createMany(kube, namespace, 'tp', n, sizes.createConcurrency);
      const createSeconds = (performance.now() - t1) / 1000;
      const handled = await waitHandledOrExit(observer, keys, proc, Math.max(300_000, n * 200), (done) =>
        log(`${id}: throughput: ${done}/${n} handled`),
      );
      const last = Math.max(...keys.map((key) => observer.handled.get(key) ?? 0));
      const seconds = (last - t1) / 1000;
      // Trailing calls (events, late patches) land shortly after the status.
      await sleep(2000);
      const cpuSeconds = treeCpuSeconds(proc.pid) - cpu0;
      const threads = cpuDelta(threads0, treeCpuByThread(proc.pid));
      const peakRssBytes = sampler.stop();
      this.#result.throughput = {
        ...(this.#result.throughput ?? emptyThroughput(n)),
        peakSockets: Math.max(this.#result.throughput?.peakSockets ?? 0, sampler.peakSockets),
      };
      this.#rounds.push({
        handled,
        seconds,
        createSeconds,
        objectsPerSecond: handled / seconds,
        cpuSeconds,
        peakRssBytes,
      });
      const ours = new Map<string, number>();
      for (const [key, value] of kube.issued) ours.set(key, value - (oursBefore.get(key) ?? 0));
      for (const [key, value] of deltaCounts(before, parseRequestTotals(await kube.metrics()), ours))
        this.#calls.set(key, (this.#calls.get(key) ?? 0) + value);
      this.#callsBefore ??= before;
      log(
        `${id}: throughput round ${round + 1}: ${handled}/${n} in ${seconds.toFixed(2)} s = ` +
          `${(handled / seconds).toFixed(1)} obj/s (created in ${createSeconds.toFixed(2)} s; CPU ${cpuSeconds.toFixed(2)} s; ` +
          `peak RSS ${(peakRssBytes / 2 ** 20).toFixed(0)} MiB; CPU by thread: ` +
          `${Object.entries(threads)
            .filter(([, seconds]) => seconds > 0)
            .map(([kind, seconds]) => `${kind} ${seconds.toFixed(2)} s`)
            .join(', ')})`,
      );
      if (round === 0) {
        await sleep(Math.max(0, last + 30_000 - performance.now()));
        this.#result.throughput.rssAfterBurstBytes = await settledRss(proc.pid, 0);
        log(
          `${id}: RSS 30 s after the burst: ${(this.#result.throughput.rssAfterBurstBytes / 2 ** 20).toFixed(1)} MiB`,
        );
      }
      this.#hwm = Math.max(this.#hwm, treeMemory(proc.pid).hwm);
    });
  }

  /** Measure 2: paced creates for a while, latency from each create's answer to its status. */
  async latencyRound(context: Partial<StartContext> = {}): Promise<void> {
    const { kube, observer, sizes, log } = this.#options;
    await this.#phase('lat', context, {}, async ({ proc, newNamespace }) => {
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
      this.#result.latency = {
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
      const l = this.#result.latency;
      log(
        `${this.contender.id}: latency @${sizes.latencyRate}/s: p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms, ` +
          `p99 ${l.p99.toFixed(1)} ms (${handled}/${total})`,
      );
    });
  }

  /** Measures 3 and 4: the idle set, its RSS, then a restart with it in place. */
  async memoryAndRestart(restart: boolean, context: Partial<StartContext> = {}): Promise<void> {
    const { kube, observer, sizes, log } = this.#options;
    const id = this.contender.id;
    await this.#phase('idle', context, {}, async (phase) => {
      const namespace = await phase.newNamespace('idle');
      const m = sizes.idleObjects;
      const t1 = performance.now();
      const keys = await createMany(kube, namespace, 'idle', m, sizes.createConcurrency);
      const handled = await waitHandledOrExit(
        observer,
        keys,
        phase.proc,
        Math.max(600_000, m * 200),
        (done) => log(`${id}: idle set: ${done}/${m} handled`),
      );
      const fillSeconds = (performance.now() - t1) / 1000;
      await sleep(IDLE_WAIT_MS);
      const rssBytes = await settledRss(phase.proc.pid, 0);
      this.#result.idle = {
        objects: m,
        handled,
        fillSeconds,
        rssBytes,
        sockets: treeSockets(phase.proc.pid),
      };
      log(
        `${id}: idle with ${handled}/${m} objects: RSS ${(rssBytes / 2 ** 20).toFixed(1)} MiB, ` +
          `${this.#result.idle.sockets} open sockets (filled in ${fillSeconds.toFixed(1)} s)`,
      );
      if (!restart) return;
      const readyBeforeStopHandlerRuns = phase.proc.handlerRuns();
      await phase.proc.stop();
      // A sentinel created while the operator is down: the one object the restarted operator must handle.
      // Its name sorts after the others, so it comes last in the initial list.
      await kube.create(namespace, 'zzz-sentinel', -1);
      await sleep(500);
      const before = parseRequestTotals(await kube.metrics());
      const proc = this.#start(context);
      phase.proc = proc;
      const caught = await catchUp(observer, proc, `${namespace}/zzz-sentinel`, 600_000);
      await sleep(1500); // the counter file is written every 200 ms
      const r: RestartResult = {
        objects: m,
        ...caught,
        handlerRuns: Math.max(0, proc.handlerRuns() - 1),
        patchCalls: patchCalls(deltaCounts(before, parseRequestTotals(await kube.metrics()))),
        readyBeforeStopHandlerRuns,
      };
      this.#result.restart = r;
      log(
        `${id}: restart with ${m} handled objects: caught up in ${r.catchUpSeconds.toFixed(2)} s ` +
          `(sentinel ${r.sentinelSeconds.toFixed(2)} s, quiet ${r.quietSeconds.toFixed(2)} s); ` +
          `handler runs besides the sentinel: ${r.handlerRuns}; PATCH calls: ${r.patchCalls}`,
      );
    });
  }

  /**
   * The 100,000-object measure, against the handled set already in place (`namespace`, `objects` of
   * them, see `bench/lib/scale.ts`): its milestones are made new again, then the operator is started;
   * catch-up (until the last milestone is handled and the process is quiet) and handler runs as in the
   * restart measure, within `capSeconds`; then, after the idle wait, the RSS with the set watched.
   */
  async scale(
    namespace: string,
    objects: number,
    capSeconds: number,
    context: Partial<StartContext> = {},
  ): Promise<void> {
    if (!this.#result.available) return;
    const { kube, observer, log } = this.#options;
    const id = this.contender.id;
    const milestones = milestoneNames(objects, SCALE_MILESTONES);
    const last = milestones[milestones.length - 1]!;
    let proc: Running | undefined;
    try {
      await resetMilestones(
        kube,
        observer,
        namespace,
        milestones.map((m) => m.name),
      );
      const before = parseRequestTotals(await kube.metrics());
      proc = this.#start(context);
      const started = proc.startedAt;
      const progress = setInterval(() => {
        const reached = milestones.filter((m) => observer.handled.has(`${namespace}/${m.name}`)).length;
        log(
          `${id}: scale: ${reached}/${milestones.length} milestones after ` +
            `${((performance.now() - started) / 1000).toFixed(0)} s, RSS ${(treeMemory(proc!.pid).rss / 2 ** 20).toFixed(0)} MiB`,
        );
      }, 30_000);
      const caught = await catchUp(observer, proc, `${namespace}/${last.name}`, capSeconds * 1000).finally(
        () => clearInterval(progress),
      );
      const finished = Number.isFinite(caught.sentinelSeconds) && caught.catchUpSeconds < capSeconds;
      const rssAtEndBytes = treeMemory(proc.pid).rss;
      if (finished) await sleep(IDLE_WAIT_MS);
      const handledAt = milestones.map((m) => observer.handled.get(`${namespace}/${m.name}`));
      const r: ScaleResult = {
        objects,
        ...caught,
        capSeconds,
        finished,
        exited: proc.exited,
        milestones: milestones.map((m, i) => ({
          position: m.position,
          ...(handledAt[i] !== undefined ? { seconds: (handledAt[i]! - started) / 1000 } : {}),
        })),
        reached: Math.max(
          0,
          ...milestones.filter((_, i) => handledAt[i] !== undefined).map((m) => m.position),
        ),
        peakRssBytes: treeMemory(proc.pid).hwm,
        rssAtEndBytes,
        ...(finished ? { rssBytes: await settledRss(proc.pid, 0) } : {}),
        handlerRuns: Math.max(0, proc.handlerRuns() - milestones.length),
        patchCalls: patchCalls(deltaCounts(before, parseRequestTotals(await kube.metrics()))),
      };
      this.#result.scale = r;
      log(
        `${id}: start with ${objects} handled objects: ` +
          (finished
            ? `caught up in ${r.catchUpSeconds.toFixed(1)} s, RSS ${((r.rssBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`
            : `not caught up within ${capSeconds} s (${r.exited ? 'the process exited; ' : ''}` +
              `reached object ${r.reached} of ${objects}, RSS ${(rssAtEndBytes / 2 ** 20).toFixed(1)} MiB)`) +
          `; handler runs besides the milestones: ${r.handlerRuns}; PATCH calls: ${r.patchCalls}`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#result.errors.push(`scale: ${message}`);
      log(`${id}: scale: ERROR: ${message}`);
    } finally {
      await proc?.stop();
    }
  }

  /** Measured API calls per object so far (the raw limit mirrors kopf-ts's). */
  apiCalls(): ApiCallsResult | undefined {
    const n = this.#rounds.length * this.#options.sizes.throughputN;
    return n ? summarizeCalls(this.#calls, n) : undefined;
  }

  result(): ContenderResult {
    const result = this.#result;
    if (this.#rounds.length && result.throughput) {
      const rounds = this.#rounds;
      const sorted = [...rounds].sort((a, b) => a.objectsPerSecond - b.objectsPerSecond);
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
      result.throughput = {
        ...result.throughput,
        handled: median.handled,
        createSeconds: median.createSeconds,
        seconds: median.seconds,
        objectsPerSecond: median.objectsPerSecond,
        rounds,
        peakRssBytes: Math.max(...rounds.map((r) => r.peakRssBytes ?? 0)),
        hwmBytes: this.#hwm,
        cpuSeconds: rounds.reduce((a, r) => a + (r.cpuSeconds ?? 0), 0) / rounds.length,
      };
      const calls = this.apiCalls();
      if (calls) result.apiCalls = calls;
    }
    if (this.#startups.length) result.startupSeconds = median(this.#startups);
    if (result.available) result.loadAverage = { start: this.#loadStart, end: loadAverage() };
    return result;
  }

  #start(context: Partial<StartContext>): Running {
    this.#generation++;
    const id = this.contender.id;
    const counterFile = path.join(this.#options.workDir, `${id}.${this.#generation}.count`);
    rmSync(counterFile, { force: true });
    const logFile = path.join(this.#options.workDir, `${id}.log`);
    const child = this.contender.start({ ...this.#options.baseContext, ...context, counterFile, logFile });
    return new Running(child, counterFile, logFile);
  }

  /**
   * Run `measure` against a fresh, ready operator process; then delete the phase's objects while the
   * operator still runs, and stop it. Errors are recorded, never thrown: the other phases go on.
   */
  async #phase(
    what: string,
    context: Partial<StartContext>,
    options: { baseline?: boolean },
    measure: (phase: Phase) => Promise<void>,
  ): Promise<void> {
    if (!this.#result.available) return;
    const { kube, observer, log } = this.#options;
    const id = this.contender.id;
    const namespaces: string[] = [];
    const newNamespace = async (suffix: string): Promise<string> => {
      const name = `bench-${this.#run}-${id}-${what === suffix ? what : `${what}-${suffix}`}`.slice(0, 63);
      await kube.createNamespace(name);
      namespaces.push(name);
      return name;
    };
    const warm = await newNamespace('warm');
    const phase: Phase = { proc: this.#start(context), newNamespace };
    try {
      // Ready = the first object is handled (includes start-up: imports, discovery, list+watch).
      const t0 = performance.now();
      await kube.create(warm, 'warmup-0', 0);
      if (!(await waitHandledOrExit(observer, [`${warm}/warmup-0`], phase.proc, 180_000)))
        throw new Error(
          `did not handle its first object within 180 s${phase.proc.exited ? ` (exited with ${phase.proc.exitCode})` : ''}:\n${phase.proc.logTail()}`,
        );
      this.#startups.push((performance.now() - t0) / 1000);
      log(
        `${id}: ${what}: ready in ${((performance.now() - t0) / 1000).toFixed(2)} s (pid ${phase.proc.pid})`,
      );
      // RSS at 0 objects: only the readiness object, 3 s after it was handled.
      if (options.baseline) this.#result.baselineRssBytes = await settledRss(phase.proc.pid, 3000);
      // A fresh process per phase: warm it up (JIT, connection pools) so that no contender's measure
      // is its start-up. The warm-up objects stay (handled, idle) until the phase ends.
      const warmup = await createMany(
        kube,
        warm,
        'warmup',
        this.#options.sizes.warmupObjects ?? WARMUP_OBJECTS,
        this.#options.sizes.createConcurrency,
      );
      await waitHandledOrExit(observer, warmup, phase.proc, 180_000);
      await sleep(1000);
      await measure(phase);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#result.errors.push(`${what}: ${message}`);
      log(`${id}: ${what}: ERROR: ${message}`);
    } finally {
      if (phase.proc.exited) phase.proc = this.#start(context); // someone must release the finalizers
      for (const namespace of namespaces) await cleanNamespace(kube, observer, namespace, log);
      await phase.proc.stop();
      // Namespaces stay (empty): deleting them would set the namespace controller to work during the
      // next phase. The whole cluster is discarded at the end of the run.
    }
  }
}

function emptyThroughput(n: number): ThroughputResult {
  return {
    n,
    rounds: [],
    handled: 0,
    createSeconds: NaN,
    seconds: NaN,
    objectsPerSecond: NaN,
    peakRssBytes: 0,
    hwmBytes: 0,
    cpuSeconds: NaN,
    peakSockets: 0,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
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

/**
 * Wait until the sentinel is handled and the process has gone quiet (or `capMs` has passed, or the
 * process exited), sampling its CPU every 100 ms; times are from the process's start.
 */
async function catchUp(
  observer: Observer,
  proc: Running,
  sentinelKey: string,
  capMs: number,
): Promise<Pick<RestartResult, 'catchUpSeconds' | 'sentinelSeconds' | 'quietSeconds' | 'cpuSeconds'>> {
  const started = proc.startedAt;
  const samples: Array<{ at: number; cpu: number }> = [];
  let sentinelAt = 0;
  const deadline = started + capMs;
  while (performance.now() < deadline && !proc.exited) {
    samples.push({ at: performance.now(), cpu: treeCpuSeconds(proc.pid) });
    if (!sentinelAt && observer.handled.has(sentinelKey)) sentinelAt = observer.handled.get(sentinelKey)!;
    if (sentinelAt && quietSince(samples, sentinelAt) !== undefined) break;
    await sleep(100);
  }
  const quietAt = quietSince(samples, sentinelAt) ?? performance.now();
  return {
    catchUpSeconds: (Math.max(sentinelAt, quietAt) - started) / 1000,
    sentinelSeconds: sentinelAt ? (sentinelAt - started) / 1000 : NaN,
    quietSeconds: (quietAt - started) / 1000,
    cpuSeconds: samples.length ? samples[samples.length - 1]!.cpu - samples[0]!.cpu : NaN,
  };
}

/** PATCH and PUT calls on BenchObjects among the apiserver's request counts. */
function patchCalls(delta: RequestCounts): number {
  return [...delta]
    .filter(([key]) => key.startsWith('PATCH benchobjects') || key.startsWith('PUT benchobjects'))
    .reduce((a, [, v]) => a + v, 0);
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
