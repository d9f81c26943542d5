/**
 * Sharded scale-out, measured (issue #12): 1, 2 and 3 replicas of the kopf-ts bench operator under
 * `kopf run --sharded` over N fresh objects — throughput, RSS and objects per replica, against one
 * replica without `--sharded` as the baseline — and then, with
 * the last group: the fail-over after SIGKILL of a replica (its objects move once its Lease expires),
 * the hand-over after SIGTERM (it releases its Lease: its objects move at once), and the hand-over on
 * scale-up (a new replica joins; objects drain to it). A measurement, not a test: nothing is asserted.
 * `npm run bench` runs it as the `sharding` measure; alone, on a local API server of its own:
 *
 *   node bench/scaling/sharding.ts [--n 1000] [--replicas 1,2,3]
 *
 * Every group serves a fresh namespace of its own (`-n`), with its Leases there too, so that no earlier
 * group's members are in its ring. Replicas are never the sharder when one is killed or stopped: the
 * times are those of a member leaving, not of a sharder election on top.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyYaml, startLocalCluster, waitForCrd } from '../../runtime/testing/index.ts';
import { spawnKopf, type KopfProcess } from '../../test/e2e/cli-kit.ts';
import { CRD_NAME, createMany, Kube, sleep } from '../lib/kube.ts';
import { cleanNamespace, Observer } from '../lib/observer.ts';
import { settledRss } from '../lib/proc.ts';

export interface ShardingReplica {
  id: string;
  /** Handler runs after the warm-up (the bench operator's counter): more than its objects = work done twice. */
  handlerRuns: number;
  /** Measured objects labelled with this replica at the end. */
  assigned: number;
  /** RSS after its warm-up, before the measured objects. */
  baselineRssBytes: number;
  /** RSS with its share of the objects handled and watched. */
  rssBytes: number;
}

export interface ShardingRound {
  replicas: number;
  /** False for the baseline: one replica without `--sharded` (no sharder, no labels). */
  sharded: boolean;
  objects: number;
  handled: number;
  /** From the first create to the last object's status. */
  seconds: number;
  objectsPerSecond: number;
  perReplica: ShardingReplica[];
}

/** A member leaving (killed or stopped) or joining, timed from the signal or the start. */
export interface ShardMove {
  /** The replica killed, stopped or started. */
  replica: string;
  /** Objects it owned (leaving) or owns (joining) — the ones that moved. */
  moved: number;
  /** Until none of its objects is labelled for it any more (leaving), or its share has settled (joining). */
  movedSeconds?: number;
  /** Leaving: objects still labelled for it at the timeout (in a fresh listing), if any. */
  leftBehind?: number;
  /** Objects created right after the signal, some of them hashed to the leaving member. */
  newObjects: number;
  /** Until all of those are handled. */
  newHandledSeconds?: number;
}

export interface ShardingResult {
  objects: number;
  /** The member Leases' duration, as the replicas wrote it. */
  shardLeaseSeconds?: number;
  rounds: ShardingRound[];
  failover?: ShardMove;
  handover?: ShardMove;
  scaleUp?: ShardMove;
  errors: string[];
}

export interface ShardingOptions {
  kube: Kube;
  /** The one watch over all BenchObjects: handled times and labels. */
  observer: Observer;
  /** Admin kubeconfig for the replicas. */
  kubeconfig: string;
  objects: number;
  replicaCounts: readonly number[];
  /** Where the replicas' counter files go. */
  workDir: string;
  log: (line: string) => void;
}

const OPERATOR = path.resolve(import.meta.dirname, '..', 'contenders', 'kopf-ts', 'operator.ts');
const WARMUP_OBJECTS = 50;
const RING_LABEL = 'kopf.dev/ring';

interface Replica {
  id: string;
  kopf: KopfProcess;
  counterFile: string;
  logFile: string;
  /** Killed or stopped on purpose: its exit is no failure. */
  leaving?: boolean;
}

interface LeaseList {
  items: Array<{
    metadata: { name: string; labels?: Record<string, string> };
    spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number };
  }>;
}

export async function measureSharding(options: ShardingOptions): Promise<ShardingResult> {
  const { kube, observer, log } = options;
  const result: ShardingResult = { objects: options.objects, rounds: [], errors: [] };
  const last = Math.max(...options.replicaCounts);
  // The baseline first: what one replica does without sharding (the sharder's labels cost a PATCH each).
  const groups = [
    { count: 1, sharded: false },
    ...options.replicaCounts.map((count) => ({ count, sharded: true })),
  ];
  for (const { count, sharded } of groups) {
    const what = sharded ? `${count} replica(s)` : '1 replica, unsharded';
    const ns = `bench-shard-${sharded ? count : 'none'}-${Date.now().toString(36)}`;
    await kube.createNamespace(ns);
    const group = new Group(options, ns, sharded);
    try {
      for (let i = 1; i <= count; i++) group.start(`r${i}`);
      const ring = sharded ? await group.ring(count) : undefined;
      result.shardLeaseSeconds ??= ring?.leaseSeconds;
      if (ring) log(`sharding: ${what} in ring '${ring.name}' (sharder ${ring.sharder ?? '?'})`);
      await group.handle('warm', WARMUP_OBJECTS);
      const baselines = await group.rss();
      const warmRuns = group.replicas.map((replica) => group.handlerRuns(replica));
      const t1 = performance.now();
      const keys = await group.handle('obj', options.objects, (done) =>
        log(`sharding: ${what}: ${done}/${options.objects} handled`),
      );
      const lastHandled = Math.max(...keys.map((key) => observer.handled.get(key) ?? 0));
      const handled = keys.filter((key) => observer.handled.has(key)).length;
      const seconds = (lastHandled - t1) / 1000;
      await sleep(2000);
      const rss = await group.rss();
      const owners = ring ? group.owners(ring.name, 'obj-') : new Map([['r1', handled]]);
      const round: ShardingRound = {
        replicas: count,
        sharded,
        objects: options.objects,
        handled,
        seconds,
        objectsPerSecond: handled / seconds,
        perReplica: group.replicas.map((replica, i) => ({
          id: replica.id,
          handlerRuns: group.handlerRuns(replica) - warmRuns[i]!,
          assigned: owners.get(replica.id) ?? 0,
          baselineRssBytes: baselines[i]!,
          rssBytes: rss[i]!,
        })),
      };
      result.rounds.push(round);
      log(
        `sharding: ${what}: ${handled}/${options.objects} in ${seconds.toFixed(2)} s = ` +
          `${round.objectsPerSecond.toFixed(1)} obj/s; per replica: ` +
          round.perReplica
            .map((r) => `${r.id} ${r.assigned} objects, ${r.handlerRuns} runs, ${mib(r.rssBytes)} MiB`)
            .join('; '),
      );
      if (ring && count === last && count >= 2) {
        result.failover = await group.leave('SIGKILL', ring.name, 'fo');
        log(`sharding: fail-over after SIGKILL: ${describeMove(result.failover)}`);
        result.handover = await group.leave('SIGTERM', ring.name, 'ho');
        log(`sharding: hand-over after SIGTERM: ${describeMove(result.handover)}`);
        result.scaleUp = await group.join(ring.name, `r${count + 1}`);
        log(`sharding: scale-up: ${describeMove(result.scaleUp)}`);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result.errors.push(`${what}: ${message}`);
      log(`sharding: ${what} failed: ${message}\n${group.logTail()}`);
    } finally {
      await group.stop();
      await cleanNamespace(kube, observer, ns, log);
      await kube.deleteNamespace(ns);
    }
  }
  return result;
}

function describeMove(move: ShardMove): string {
  const s = (value: number | undefined) =>
    value === undefined ? 'not within the timeout' : `${value.toFixed(2)} s`;
  const created = move.newObjects
    ? `; ${move.newObjects} new objects handled in ${s(move.newHandledSeconds)}`
    : '';
  return `${move.replica}: ${move.moved} objects moved in ${s(move.movedSeconds)}${created}`;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** The replicas of one group, serving one namespace. */
class Group {
  readonly replicas: Replica[] = [];
  readonly #options: ShardingOptions;
  readonly #ns: string;
  readonly #sharded: boolean;

  constructor(options: ShardingOptions, ns: string, sharded: boolean) {
    this.#options = options;
    this.#ns = ns;
    this.#sharded = sharded;
  }

  start(id: string): Replica {
    const dir = path.join(this.#options.workDir, this.#ns);
    mkdirSync(dir, { recursive: true });
    const counterFile = path.join(dir, `${id}.count`);
    const args = ['run', '--standalone', '-n', this.#ns];
    if (this.#sharded) args.push('--sharded', '--lease-namespace', this.#ns);
    const kopf = spawnKopf([...args, '--id', id, OPERATOR], {
      KUBECONFIG: this.#options.kubeconfig,
      BENCH_COUNTER_FILE: counterFile,
    });
    const replica: Replica = { id, kopf, counterFile, logFile: path.join(dir, `${id}.log`) };
    this.replicas.push(replica);
    return replica;
  }

  /** The replicas still running. */
  get live(): Replica[] {
    return this.replicas.filter((r) => r.kopf.child.exitCode === null && r.kopf.child.signalCode === null);
  }

  async leases(): Promise<LeaseList['items']> {
    const selector = encodeURIComponent(RING_LABEL);
    const list = await this.#options.kube.json<LeaseList>(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${this.#ns}/leases?labelSelector=${selector}`,
    );
    return list.items;
  }

  async sharder(ring: string): Promise<string | undefined> {
    const res = await this.#options.kube.request(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${this.#ns}/leases/kopf-sharder-${ring}`,
    );
    if (res.status !== 200) return undefined;
    const lease = JSON.parse(res.body) as LeaseList['items'][number];
    return lease.spec?.holderIdentity ?? undefined;
  }

  /** Wait until `count` members hold their Leases, a sharder is elected and it sees them all. */
  async ring(count: number): Promise<{ name: string; sharder?: string; leaseSeconds?: number }> {
    const deadline = performance.now() + 120_000;
    for (;;) {
      this.#assertRunning();
      const held = (await this.leases()).filter((lease) => lease.spec?.holderIdentity);
      const name = held[0]?.metadata.labels?.[RING_LABEL];
      const sharder = name === undefined ? undefined : await this.sharder(name);
      // The sharder's own view too (it polls the Leases): objects created before it sees every
      // member would be drained to them afterwards, which is not what this measures.
      const seen = `The ring ${name} has ${count} member(s)`;
      const complete = this.replicas.some((r) => r.kopf.lines.some((line) => line.includes(seen)));
      if (held.length === count && name !== undefined && sharder && complete) {
        return { name, sharder, leaseSeconds: held[0]!.spec?.leaseDurationSeconds };
      }
      if (performance.now() > deadline)
        throw new Error(
          `${held.length}/${count} member Leases held, sharder ${sharder ?? 'none'} after 120 s`,
        );
      await sleep(200);
    }
  }

  /** Create `n` objects `<prefix>-<i>` and wait until all are handled; their keys. */
  async handle(prefix: string, n: number, progress?: (done: number) => void): Promise<string[]> {
    const { kube, observer } = this.#options;
    const keys = await createMany(kube, this.#ns, prefix, n, 32);
    const done = await observer.waitHandled(keys, Math.max(300_000, n * 200), progress);
    if (done < n) throw new Error(`${done}/${n} ${prefix} objects handled within the timeout`);
    return keys;
  }

  async rss(): Promise<number[]> {
    const out: number[] = [];
    for (const replica of this.replicas) out.push(await settledRss(replica.kopf.child.pid!, 0));
    return out;
  }

  handlerRuns(replica: Replica): number {
    try {
      return Number(readFileSync(replica.counterFile, 'utf8').trim()) || 0;
    } catch {
      return 0;
    }
  }

  /** Objects of this namespace (with the name prefix) per shard label value. */
  owners(ring: string, prefix = ''): Map<string, number> {
    const counts = new Map<string, number>();
    const start = `${this.#ns}/${prefix}`;
    for (const [key, labels] of this.#options.observer.labels) {
      const owner = labels[`kopf.dev/shard-${ring}`];
      if (key.startsWith(start) && owner !== undefined) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    return counts;
  }

  draining(ring: string): number {
    let count = 0;
    for (const [key, labels] of this.#options.observer.labels)
      if (key.startsWith(`${this.#ns}/`) && labels[`kopf.dev/drain-${ring}`] !== undefined) count++;
    return count;
  }

  /**
   * A member that is not the sharder leaves by `signal`; objects are created right after it. Timed
   * until none is labelled for it any more, and until the new ones are all handled.
   */
  async leave(signal: 'SIGKILL' | 'SIGTERM', ring: string, prefix: string): Promise<ShardMove> {
    const sharder = await this.sharder(ring);
    const leaving = this.live.findLast((r) => r.id !== sharder);
    if (!leaving) throw new Error(`no member but the sharder ${sharder ?? '?'} is left to stop`);
    const moved = this.owners(ring).get(leaving.id) ?? 0;
    leaving.leaving = true;
    const t0 = performance.now();
    leaving.kopf.child.kill(signal);
    const newObjects = Math.max(20, Math.round(this.#options.objects / 50));
    const keys = await createMany(this.#options.kube, this.#ns, prefix, newObjects, 32);
    const timeoutMs = 120_000;
    let movedAt: number | undefined;
    let handledAt: number | undefined;
    while (performance.now() - t0 < timeoutMs && (movedAt === undefined || handledAt === undefined)) {
      this.#assertRunning();
      if (movedAt === undefined && !this.owners(ring).has(leaving.id)) movedAt = performance.now();
      if (handledAt === undefined && keys.every((key) => this.#options.observer.handled.has(key)))
        handledAt = Math.max(...keys.map((key) => this.#options.observer.handled.get(key)!));
      await sleep(50);
    }
    await leaving.kopf.exited;
    let leftBehind: number | undefined;
    if (movedAt === undefined) {
      // The observer's picture, checked against a fresh listing: which objects stayed behind.
      const listing = await this.#options.kube.list(this.#ns);
      const behind = listing.items.filter(
        (o) => o.metadata.labels?.[`kopf.dev/shard-${ring}`] === leaving.id,
      );
      leftBehind = behind.length;
      this.#options.log(
        `sharding: ${behind.length} objects still labelled for ${leaving.id} after ${timeoutMs / 1000} s: ` +
          behind
            .slice(0, 5)
            .map((o) => `${o.metadata.name} ${JSON.stringify(o.metadata.labels)}`)
            .join(', '),
      );
    }
    return {
      replica: leaving.id,
      moved,
      ...(movedAt !== undefined ? { movedSeconds: (movedAt - t0) / 1000 } : { leftBehind }),
      newObjects,
      ...(handledAt !== undefined ? { newHandledSeconds: (handledAt - t0) / 1000 } : {}),
    };
  }

  /**
   * A new member joins. Timed from its start until its share has settled: it owns objects, none is
   * draining, and that has held for a second (the time reported is when it first held).
   */
  async join(ring: string, id: string): Promise<ShardMove> {
    const t0 = performance.now();
    this.start(id);
    let settledAt: number | undefined;
    let settledOwned = 0;
    while (performance.now() - t0 < 120_000) {
      this.#assertRunning();
      const owned = this.owners(ring).get(id) ?? 0;
      const settled = owned > 0 && this.draining(ring) === 0;
      if (!settled || owned !== settledOwned) settledAt = settled ? performance.now() : undefined;
      settledOwned = owned;
      if (settledAt !== undefined && performance.now() - settledAt > 1000) break;
      await sleep(50);
    }
    return {
      replica: id,
      moved: settledOwned,
      ...(settledAt !== undefined ? { movedSeconds: (settledAt - t0) / 1000 } : {}),
      newObjects: 0,
    };
  }

  #assertRunning(): void {
    const dead = this.replicas.find((r) => !r.leaving && r.kopf.child.exitCode !== null);
    if (dead) throw new Error(`replica ${dead.id} exited with ${dead.kopf.child.exitCode}`);
  }

  logTail(): string {
    return this.replicas.map((r) => `--- ${r.id}:\n${r.kopf.lines.slice(-15).join('\n')}`).join('\n');
  }

  /** Stop every replica; their logs stay in the work directory. */
  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.kopf.stop(20_000)));
    for (const r of this.replicas) writeFileSync(r.logFile, r.kopf.lines.join('\n') + '\n');
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { n: { type: 'string', default: '1000' }, replicas: { type: 'string', default: '1,2,3' } },
  });
  const cluster = await startLocalCluster({ progress: (line) => process.stderr.write(`${line}\n`) });
  const kube = new Kube(cluster);
  const observer = new Observer(kube);
  try {
    const crd = readFileSync(path.resolve(import.meta.dirname, '..', 'crd.yaml'), 'utf8');
    await applyYaml(cluster.kubeConfig(), crd);
    await waitForCrd(cluster.kubeConfig(), CRD_NAME);
    await observer.start();
    const workDir = mkdtempSync(path.join(tmpdir(), 'kopf-bench-sharding-'));
    process.stderr.write(`replica logs in ${workDir}\n`);
    const result = await measureSharding({
      kube,
      observer,
      kubeconfig: cluster.kubeconfig,
      objects: Number(values.n),
      replicaCounts: values.replicas.split(',').map(Number),
      workDir,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    observer.stop();
    kube.close();
    await cluster.stop();
  }
}
