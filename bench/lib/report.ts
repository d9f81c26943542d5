/** Writes BENCHMARKS.md from one run's results. */
import { writeFileSync } from 'node:fs';
import type { ContenderResult, Sizes } from './session.ts';
import type { GeneratorResult } from './generator.ts';
import type { LeaderElectionResult } from '../scaling/leader-election.ts';
import type { ShardingResult, ShardMove } from '../scaling/sharding.ts';
import { median } from './session.ts';
import type { SetUp } from './scale.ts';

export interface BenchRun {
  timestamp: string;
  mode: string;
  sizes: Sizes;
  measures: string[];
  machine: { cpuModel: string; cores: number; memoryGiB: number; kernel: string };
  versions: Record<string, string>;
  contenders: ContenderResult[];
  generator?: GeneratorResult;
  sharding?: ShardingResult;
  leaderElection?: LeaderElectionResult;
  /** The 100,000-object measure's set-up: the handled set created once for every contender. */
  scaleSetUp?: SetUp;
  /** Wall seconds of each part of the run (a full run must fit its time; bench/README.md). */
  phases?: Array<{ name: string; seconds: number }>;
  durationSeconds: number;
  resultsFile?: string;
  command?: string;
  /** SVG charts rendered from this run (paths relative to the report). */
  charts?: Array<{ title: string; file: string }>;
  /** Hand-written analysis (bench/findings.md), appended as is. */
  findings?: string;
  /** Why each missed target is missed, by target id (the sections of bench/missed-targets.md). */
  missedTargets?: Record<string, string>;
  notes?: string[];
}

const mib = (bytes: number | undefined): string =>
  bytes === undefined || !Number.isFinite(bytes) ? '–' : (bytes / 2 ** 20).toFixed(1);
const num = (value: number | undefined, digits = 1): string =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base) || base === 0
    ? '–'
    : `${(value / base).toFixed(2)}×`;

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export interface Target {
  /** Stable name: the heading of its explanation in bench/missed-targets.md. */
  id: string;
  what: string;
  bar: string;
  value: string;
  /** undefined: not measured in this run; 'reported': a number the issue asks for, with no bar. */
  met: boolean | 'reported' | undefined;
}

export function targets(run: BenchRun): Target[] {
  const by = (id: string): ContenderResult | undefined =>
    run.contenders.find((c) => c.id === id && c.available);
  const ts = by('kopf-ts');
  const kopf = by('kopf');
  const cr = by('controller-runtime');
  const raw = by('raw');
  const tp = (c: ContenderResult | undefined): number | undefined =>
    c?.throughput && c.throughput.handled === c.throughput.n ? c.throughput.objectsPerSecond : undefined;
  const out: Target[] = [];
  const cmp = (
    id: string,
    what: string,
    bar: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    format: (v: number) => string,
  ): void => {
    out.push({
      id,
      what,
      bar,
      value: value === undefined || !Number.isFinite(value) ? 'not measured' : format(value),
      met: value === undefined || !Number.isFinite(value) ? undefined : ok(value),
    });
  };
  const div = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined || !b ? undefined : a / b;
  cmp(
    'throughput-vs-kopf',
    'Throughput vs Kopf (defaults)',
    '≥ 5×',
    div(tp(ts), tp(kopf)),
    (v) => v >= 5,
    (v) => `${v.toFixed(2)}×`,
  );
  cmp(
    'throughput-vs-controller-runtime',
    'Throughput vs controller-runtime',
    '≥ 1.0×',
    div(tp(ts), tp(cr)),
    (v) => v >= 1,
    (v) => `${v.toFixed(2)}×`,
  );
  // The opt-in one-call-per-object mode (issue #11): Kopf's status storages for diff-base and progress.
  const status = by('kopf-ts-status');
  cmp(
    'status-storage-throughput-vs-controller-runtime',
    'Throughput of kopf-ts (status storage) vs controller-runtime',
    '≥ 1.0×',
    div(tp(status), tp(cr)),
    (v) => v >= 1,
    (v) => `${v.toFixed(2)}×`,
  );
  cmp(
    'status-storage-calls-per-object',
    'API calls per object of kopf-ts (status storage)',
    '1.00',
    status?.apiCalls?.perObject,
    (v) => v.toFixed(2) === '1.00',
    (v) => v.toFixed(2),
  );
  const cpuPerObject = (c: ContenderResult | undefined): number | undefined =>
    c?.throughput ? c.throughput.cpuSeconds / c.throughput.n : undefined;
  const cpuNote = ((): string => {
    const r = div(cpuPerObject(ts), cpuPerObject(raw));
    return r === undefined ? '' : ` (CPU per object: ${r.toFixed(2)}× the raw client's)`;
  })();
  cmp(
    'throughput-vs-raw',
    'Throughput vs the raw limit',
    '≥ 80 %',
    div(tp(ts), tp(raw)),
    (v) => v >= 0.8,
    (v) => `${(v * 100).toFixed(0)} %${cpuNote}`,
  );
  const quick = run.mode.startsWith('quick');
  const idleBars = quick ? { kopf: 1.0, cr: 2.0 } : { kopf: 0.5, cr: 1.5 };
  cmp(
    'idle-rss-vs-kopf',
    `Idle RSS with ${run.sizes.idleObjects.toLocaleString('en')} objects vs Kopf`,
    `≤ ${idleBars.kopf.toFixed(1)}×`,
    div(ts?.idle?.rssBytes, kopf?.idle?.rssBytes),
    (v) => v <= idleBars.kopf,
    (v) => `${v.toFixed(2)}× (${mib(ts?.idle?.rssBytes)} vs ${mib(kopf?.idle?.rssBytes)} MiB)`,
  );
  cmp(
    'idle-rss-vs-controller-runtime',
    `Idle RSS with ${run.sizes.idleObjects.toLocaleString('en')} objects vs controller-runtime`,
    `≤ ${idleBars.cr.toFixed(1)}×`,
    div(ts?.idle?.rssBytes, cr?.idle?.rssBytes),
    (v) => v <= idleBars.cr,
    (v) => `${v.toFixed(2)}× (${mib(ts?.idle?.rssBytes)} vs ${mib(cr?.idle?.rssBytes)} MiB)`,
  );
  const memoryPerContender = run.contenders
    .filter((c) => c.available && c.baselineRssBytes !== undefined)
    .map((c) => {
      const idle = slope(c);
      const burst = burstSlope(c, run.sizes.throughputN);
      const perThousand =
        idle !== undefined
          ? `${num(idle, 1)} MiB per 1,000`
          : burst !== undefined
            ? `${num(burst, 1)} MiB per 1,000 (30 s after the burst)`
            : 'per 1,000 not measured';
      return `${c.title}: ${mib(c.baselineRssBytes)} MiB at 0, ${perThousand}`;
    });
  out.push({
    id: 'rss-at-0-and-slope',
    what: 'RSS at 0 objects and per 1,000 objects, every contender',
    bar: 'reported',
    value: memoryPerContender.length ? memoryPerContender.join('; ') : 'not measured',
    met: memoryPerContender.length ? 'reported' : undefined,
  });
  cmp(
    'burst-peak-vs-controller-runtime',
    `Peak RSS during a ${run.sizes.throughputN.toLocaleString('en')}-object burst vs controller-runtime`,
    '≤ 1.5×',
    div(ts?.throughput?.peakRssBytes, cr?.throughput?.peakRssBytes),
    (v) => v <= 1.5,
    (v) =>
      `${v.toFixed(2)}× (${mib(ts?.throughput?.peakRssBytes)} vs ${mib(cr?.throughput?.peakRssBytes)} MiB; ` +
      `30 s later: ${mib(ts?.throughput?.rssAfterBurstBytes)} vs ${mib(cr?.throughput?.rssAfterBurstBytes)} MiB)`,
  );
  cmp(
    'cpu-per-object-vs-controller-runtime',
    'Operator CPU per handled object vs controller-runtime',
    '≤ 1.0×',
    div(cpuPerObject(ts), cpuPerObject(cr)),
    (v) => v <= 1,
    (v) =>
      `${v.toFixed(2)}× (${num((cpuPerObject(ts) ?? NaN) * 1000, 2)} vs ${num((cpuPerObject(cr) ?? NaN) * 1000, 2)} ms; ` +
      `the raw floor: ${num((cpuPerObject(raw) ?? NaN) * 1000, 2)} ms)`,
  );
  cmp(
    'p99-latency',
    `p99 latency at ${run.sizes.latencyRate} objects/s`,
    '< 100 ms',
    ts?.latency?.p99,
    (v) => v < 100,
    (v) => `${v.toFixed(1)} ms`,
  );
  const restart = ts?.restart;
  out.push({
    id: 'restart-catch-up',
    what: `Restart catch-up with ${run.sizes.idleObjects.toLocaleString('en')} handled objects`,
    bar: '< 5 s, 0 handler runs',
    value: restart
      ? `${restart.catchUpSeconds.toFixed(2)} s, ${restart.handlerRuns} handler runs`
      : 'not measured',
    met: restart ? restart.catchUpSeconds < 5 && restart.handlerRuns === 0 : undefined,
  });
  out.push(...scaleTargets(run));
  const gen = run.generator;
  const kopfGen = gen?.tools.find((t) => t.id === 'kopf-gen' && t.mode === 'one-process' && t.ok);
  const peers = gen?.tools.filter((t) => t.id !== 'kopf-gen' && t.mode === 'one-process' && t.ok) ?? [];
  const fastestPeer = peers.length ? Math.min(...peers.map((t) => t.wallSeconds)) : undefined;
  cmp(
    'generator-vs-peers',
    'Generator vs the faster of kfc and cdk8s (corpus, one process each)',
    '≥ 5× faster',
    div(fastestPeer, kopfGen?.wallSeconds),
    (v) => v >= 5,
    (v) => `${v.toFixed(2)}×`,
  );
  return out;
}

export function renderReport(run: BenchRun): string {
  const lines: string[] = [];
  const push = (...more: string[]): void => void lines.push(...more);
  const available = run.contenders.filter((c) => c.available);
  const ts = available.find((c) => c.id === 'kopf-ts');
  const raw = available.find((c) => c.id === 'raw');
  const s = run.sizes;

  push(
    '# Benchmarks',
    '',
    `Generated by \`${run.command ?? 'npm run bench'}\` (bench/run.ts) on ${run.timestamp} — **${run.mode} mode**, ` +
      `${(run.durationSeconds / 60).toFixed(1)} min. Regenerate with \`npm run bench\` (full) or \`npm run bench -- --quick\`.`,
    'These are measurements, not tests: nothing here asserts a time. A missed target is a finding.',
    ...(run.mode === 'full'
      ? []
      : [
          '',
          `**This is a ${run.mode} run: smaller sizes and noisy — a development check, not the record.** ` +
            'Full runs write BENCHMARKS.md; this file (BENCHMARKS.quick.md) holds the latest quick or partial run.',
        ]),
    `Raw numbers: \`${run.resultsFile ?? 'bench/results/<timestamp>.json'}\` (git-ignored; the tables below hold the same numbers).`,
    '',
    '## Machine and versions',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${run.machine.cpuModel}, ${run.machine.cores} cores`],
        ['RAM', `${run.machine.memoryGiB.toFixed(1)} GiB`],
        ['OS / kernel', `${run.versions['os'] ?? ''} / ${run.machine.kernel}`],
        ['kube-apiserver (+ etcd, local, loopback)', run.versions['kube-apiserver'] ?? ''],
        ['Node.js', run.versions['node'] ?? ''],
        ['Python', run.versions['python'] ?? ''],
        ['Kopf', run.versions['kopf'] ?? ''],
        ['Go', run.versions['go'] ?? ''],
        ...run.contenders.map((c) => [
          `contender: ${c.title}`,
          c.available
            ? `${c.version ?? ''}${c.notes ? `; ${c.notes}` : ''}${c.loadAverage ? `; machine load (1-min avg) ${c.loadAverage.start.toFixed(1)} → ${c.loadAverage.end.toFixed(1)}` : ''}`
            : `**not available**: ${c.reason ?? c.errors.join('; ')}`,
        ]),
      ],
    ),
    '',
    'The machine is shared (2 cores for the apiserver, etcd, the contender and the load generator, and other',
    "people's test suites — see the load averages), so absolute numbers are modest and noisy; the contenders'",
    "rounds are interleaved against the same apiserver in the same run. Where rounds disagree, the operator's CPU",
    'per object (measure 1) is the steadier comparison.',
    '',
  );

  if (run.charts?.length)
    push('## Charts', '', ...run.charts.map((chart) => `![${chart.title}](${chart.file})`), '');

  push('## Targets (kopf-ts)', '');
  push(
    table(
      ['target', 'bar', 'measured', 'status'],
      targets(run).map((t) => [t.what, t.bar, t.value, statusText(t)]),
    ),
    '',
  );
  push(...whyMissed(targets(run), run.missedTargets ?? {}));
  if (run.mode !== 'full') {
    push(
      `${run.mode === 'quick' ? 'Quick mode' : 'Reduced sizes'}: throughput over ${s.throughputN} objects, latency for ${s.latencySeconds} s, idle memory and restart with ` +
        `${s.idleObjects.toLocaleString('en')} objects (the targets are stated for 1,000 / 60 s / 10,000).`,
      '',
    );
  }

  push('## Method', '');
  push(
    '- One local control plane (upstream kube-apiserver + etcd from `test/cluster/`, via `startLocalCluster()`), one',
    '  CRD `benchobjects.bench.kopf.dev` (`bench/crd.yaml`, namespaced, status subresource). Every contender runs as',
    '  its own process, cluster-wide, with the admin kubeconfig. Every measure (and every throughput round) starts a',
    '  fresh operator process, uses fresh namespaces, and deletes its objects (while the operator still runs) before',
    '  the process is stopped. **Rounds are interleaved** across contenders (round 1 of every contender, then round 2',
    '  of every contender, …; then latency of each, then memory of each), so that the drifting load of a shared',
    '  machine does not favour whoever ran in a quiet minute.',
    '- Every contender does the same job: on a new object, write `status.created = {message: "ok"}` (Kopf\'s',
    '  `status.<handler id>` for a create handler `created` returning `{message: "ok"}`).',
    '- The load generator and the observer live in the runner: creates go through a keep-alive pool of ' +
      `${s.createConcurrency} concurrent requests; one watch over all BenchObjects records when each object first shows the status.`,
    ...contendersPerMeasure(available),
    '- Readiness: the contender is ready when it has handled a first (warm-up) object; start-up time is listed.',
    `  Then every fresh process handles ${run.sizes.warmupObjects ?? 50} more warm-up objects (JIT, connection pools) before it is measured.`,
    `- **1. Throughput**: ${s.throughputN} objects created as fast as the apiserver accepts; time from the first create to the last`,
    `  status seen; objects/s; ${s.throughputRounds} interleaved rounds, the median round reported. Operator CPU per round: from`,
    '  the first create until 2 s after the last status (utime+stime of the process tree). Peak RSS during a burst = max',
    '  of VmRSS (process tree) sampled every 50 ms; open sockets counted from /proc/<pid>/fd every 200 ms. In the',
    '  first round: RSS at 0 objects (only the readiness object; 3 s after ready, averaged over 2 s); after it: RSS 30 s',
    '  after the last status of the burst.',
    `- **2. Latency**: ${s.latencyRate} objects/s for ${s.latencySeconds} s (paced creates); per object, from the create`,
    '  response to the status seen by the watch; p50/p95/p99.',
    `- **3. Memory**: ${s.idleObjects.toLocaleString('en')} objects created and handled, then 30 s idle (Kopf's per-object`,
    '  workers expire after 5 s), then VmRSS of the process tree, averaged over 2 s. Slope = (idle RSS − RSS at 0',
    `  objects) / ${s.idleObjects.toLocaleString('en')} × 1,000: what each 1,000 watched objects cost.`,
    `- **4. Restart**: the operator is stopped (SIGTERM) with those ${s.idleObjects.toLocaleString('en')} handled objects in place,`,
    '  one new object (`zzz-sentinel`, last in the listing) is created, and the operator is started again. Catch-up',
    '  time = from process start until both the sentinel is handled and the process has gone quiet (first 1-s window',
    '  after it using < 3 % of a core). Handler runs are counted by the handler itself (a counter the contender',
    '  publishes to a file), minus the sentinel; PATCH calls on benchobjects during the restart come from the metrics.',
    '- **5. API calls per handled object**: deltas of `apiserver_request_total{verb,resource,subresource}` from the',
    "  apiserver's `/metrics` over measure 1 (+3 s for trailing calls), minus the runner's own requests, divided by N",
    "  (only benchobjects, events, namespaces, CRDs and peering resources are counted: the control plane's own",
    "  background traffic is not the operator's).",
    '- **Raw limit**: `bench/contenders/raw.ts`, a bare list+watch client (node:https; every object handled at once,',
    "  like kopf-ts's unlimited workers; requests over a keep-alive pool of 16 sockets sharing one TLS context) making, per new object, the same calls kopf-ts was measured to make in",
    "  measure 5 of the same run (kopf-ts's rounds so far; default when kopf-ts is not available: a merge-patch of the",
    '  annotations with the diff-base, then a merge-patch of the status subresource — what Kopf does). It is driven',
    '  exactly like the others, interleaved; its CPU per object is the floor for a Node client doing the same calls.',
    '- **Kopf (defaults)**: `kopf run --standalone -A bench/contenders/kopf/default.py`, Kopf 1.44 from PyPI in the cached venv of `test/setup/python-kopf.ts`.',
    "  **Kopf (tuned)**: `bench/contenders/kopf/tuned.py`, as Kopf's docs suggest for throughput: `settings.posting.enabled",
    "  = False` (no k8s Events), `settings.execution.max_workers = 100` (the sync handler's thread pool), uvloop",
    '  importable (the CLI uses it when installed), `--quiet` (no INFO log line per handled object).',
    '  `queueing.worker_limit` stays unlimited (the default); watching/consistency settings do not apply to a single',
    '  create handler (no echo waits across handlers), so they are left alone.',
    '- **controller-runtime**: `bench/contenders/controller-runtime/` (Go), unstructured objects read from the informer',
    '  cache (as typed objects would be), reconcile = if `status.created` is missing then merge-patch the status',
    '  subresource; MaxConcurrentReconciles = 100 (kopf-ts has no worker limit by default); client-side rate limiting',
    '  is off by default in controller-runtime.',
    '- **kopf-ts**: as the generated Dockerfile runs it: `bench/contenders/kopf-ts/operator.ts` and the runtime compiled by',
    '  tsc (`bench/contenders/kopf-ts/tsconfig.json`), `node --max-semi-space-size=16 <build>/runtime/cli/main.js run',
    '  --standalone -A <build>/bench/contenders/kopf-ts/operator.js`, default settings (`--only kopf-ts-source`: from',
    '  source, `node runtime/cli/main.ts run … operator.ts`, as `npm start` in the dev loop).',
    '  (`--only kopf-ts-pooled` runs an experiment: the same operator with its https.Agent patched; see Findings.)',
    `- **7. Sharded scale-out** (kopf-ts alone; \`bench/scaling/sharding.ts\`): 1, 2 and 3 replicas of that operator under`,
    '  `kopf run --standalone --sharded -n <ns>`, each group serving a fresh namespace (its Leases there too), ready when',
    `  every member holds its Lease and a sharder is elected; 50 warm-up objects, then ${(s.shardingObjects ?? 0).toLocaleString('en')} created at once. Throughput as in measure`,
    '  1 (the sharder labels each object before its replica sees it); RSS per replica averaged over 2 s before and after;',
    "  objects per replica by their `kopf.dev/shard-<ring>` label; handler runs by each replica's counter. First, as the",
    '  baseline, one replica without `--sharded` in the same way (no sharder: no label PATCH per object). With the',
    '  3-replica group: a member (never the sharder) is SIGKILLed, then another SIGTERMed — moved = until none of',
    '  its objects carries its label; new = N/50 objects created right after the signal, until all are handled — and',
    '  a 4th replica joins: until it owns objects and none is draining (stable for 1 s).',
    '- **8. Leader election** (kopf-ts alone; `bench/scaling/leader-election.ts`): replicas of that operator under',
    '  `kopf run --standalone --leader-elect` (Lease 15 s, renew deadline 10 s, retry 2 s). Fail-over: the leader is',
    '  SIGKILLed; until the standby logs that it acquired the Lease. Hand-over: the new leader is SIGTERMed (it',
    '  releases the Lease); until the next standby acquired it. One round per throughput round.',
    '',
  );

  push('## Results', '');
  if (available.some((c) => c.throughput)) {
    push(`### 1. Throughput (${s.throughputN} objects; median of ${s.throughputRounds} rounds)`, '');
    push(
      table(
        [
          'contender',
          'handled',
          'seconds',
          'objects/s',
          'vs kopf-ts',
          'all rounds (objects/s)',
          'creates took (s)',
          'operator CPU per round (s)',
          'CPU ms per object',
          'CPU vs the raw floor',
          'peak open sockets',
        ],
        available
          .filter((c) => c.throughput)
          .map((c) => {
            const t = c.throughput!;
            return [
              c.title,
              `${t.handled}/${t.n}`,
              num(t.seconds, 2),
              num(t.objectsPerSecond),
              ratio(t.objectsPerSecond, ts?.throughput?.objectsPerSecond),
              (t.rounds ?? []).map((r) => num(r.objectsPerSecond)).join(', '),
              num(t.createSeconds, 2),
              num(t.cpuSeconds, 2),
              num((t.cpuSeconds * 1000) / t.n, 2),
              ratio(t.cpuSeconds, raw?.throughput?.cpuSeconds),
              String(t.peakSockets ?? '–'),
            ];
          }),
      ),
      '',
    );
  }
  if (available.some((c) => c.latency)) {
    push(
      `### 2. Latency at ${s.latencyRate} objects/s for ${s.latencySeconds} s (ms, create response → status seen)`,
      '',
    );
    push(
      table(
        ['contender', 'handled', 'achieved rate', 'p50', 'p95', 'p99', 'max', 'p99 vs kopf-ts'],
        available
          .filter((c) => c.latency)
          .map((c) => {
            const l = c.latency!;
            return [
              c.title,
              `${l.handled}/${l.n}`,
              num(l.achievedRate),
              num(l.p50),
              num(l.p95),
              num(l.p99),
              num(l.max),
              ratio(l.p99, ts?.latency?.p99),
            ];
          }),
      ),
      '',
    );
  }
  if (available.some((c) => c.idle || c.throughput)) {
    push(`### 3. Memory (MiB, RSS of the process tree)`, '');
    push(
      table(
        [
          'contender',
          'at 0 objects',
          `idle, ${s.idleObjects.toLocaleString('en')} objects`,
          'MiB per 1,000 objects',
          'idle vs kopf-ts',
          'open sockets when idle',
          `peak during a ${s.throughputN.toLocaleString('en')}-object burst`,
          '30 s after the burst',
          'VmHWM (throughput rounds)',
          'start-up (s)',
        ],
        available.map((c) => [
          c.title,
          mib(c.baselineRssBytes),
          mib(c.idle?.rssBytes),
          num(slope(c), 1),
          ratio(c.idle?.rssBytes, ts?.idle?.rssBytes),
          String(c.idle?.sockets ?? '–'),
          mib(c.throughput?.peakRssBytes),
          mib(c.throughput?.rssAfterBurstBytes),
          mib(c.throughput?.hwmBytes),
          num(c.startupSeconds, 2),
        ]),
      ),
      '',
    );
  }
  if (available.some((c) => c.restart)) {
    push(`### 4. Restart with ${s.idleObjects.toLocaleString('en')} handled objects`, '');
    push(
      table(
        [
          'contender',
          'catch-up (s)',
          'vs kopf-ts',
          'sentinel handled (s)',
          'quiet from (s)',
          'handler runs (besides the sentinel)',
          'PATCH calls',
          'CPU (s)',
        ],
        available
          .filter((c) => c.restart)
          .map((c) => {
            const r = c.restart!;
            return [
              c.title,
              num(r.catchUpSeconds, 2),
              ratio(r.catchUpSeconds, ts?.restart?.catchUpSeconds),
              num(r.sentinelSeconds, 2),
              num(r.quietSeconds, 2),
              String(r.handlerRuns),
              String(r.patchCalls),
              num(r.cpuSeconds, 2),
            ];
          }),
      ),
      '',
      "PATCH calls include the sentinel's own (1–2).",
      '',
    );
  }
  const scaled = available.filter((c) => c.scale);
  if (scaled.length) {
    const objects = scaled[0]!.scale!.objects.toLocaleString('en');
    push(`### 4b. A start with ${objects} handled objects (the 100,000-object measure)`, '');
    push(
      table(
        [
          'contender',
          'catch-up (s)',
          'vs kopf-ts',
          'milestones handled (s from start)',
          `idle RSS, ${objects} objects`,
          'MiB per 1,000 objects',
          'RSS when caught up (or stopped)',
          'peak RSS (VmHWM)',
          'handler runs (besides the milestones)',
          'PATCH calls',
          'CPU (s)',
        ],
        scaled.map((c) => {
          const r = c.scale!;
          const handled = (r.milestones ?? []).filter((m) => m.seconds !== undefined);
          return [
            c.title,
            r.finished
              ? num(r.catchUpSeconds, 1)
              : `**did not finish in ${r.capSeconds} s**${r.exited ? ' (the process exited)' : ''}: reached object ${(r.reached ?? 0).toLocaleString('en')}`,
            r.finished
              ? ratio(r.catchUpSeconds, ts?.scale?.finished ? ts.scale.catchUpSeconds : undefined)
              : '–',
            `${handled.length}/${r.milestones?.length ?? 0}${handled.length ? `: ${handled.map((m) => num(m.seconds, 0)).join(', ')}` : ''}`,
            mib(r.rssBytes),
            num(scaleSlope(c), 1),
            mib(r.rssAtEndBytes),
            mib(r.peakRssBytes),
            String(r.handlerRuns),
            String(r.patchCalls),
            num(r.cpuSeconds, 1),
          ];
        }),
      ),
      '',
      ...(run.scaleSetUp
        ? [
            `Set-up, once for every contender: ${run.scaleSetUp.objects.toLocaleString('en')} BenchObjects created already handled in ` +
              `${num(run.scaleSetUp.seconds, 0)} s (${num(run.scaleSetUp.objectsPerSecond, 0)} objects/s).`,
          ]
        : []),
      "Each object carries Kopf's diff-base annotation and `status.created` (one POST through a `v1alpha1` version",
      'added to the CRD for the set-up, without the status subresource; `bench/lib/scale.ts`). Before each contender starts, 10 milestones —',
      'new objects at every tenth of the listing, the last after every object of the set — are created anew; a contender',
      'has caught up when the last milestone is handled and the process is quiet (as in measure 4), within the cap;',
      'when the cap passes first, the last milestone handled says how far it got. RSS after 30 s idle, averaged over 2 s.',
      '',
    );
  }
  if (available.some((c) => c.apiCalls)) {
    push('### 5. API calls per handled object', '');
    push(
      table(
        ['contender', 'calls/object', 'vs kopf-ts', 'breakdown (per object)'],
        available
          .filter((c) => c.apiCalls)
          .map((c) => [
            c.title,
            num(c.apiCalls!.perObject, 2),
            ratio(c.apiCalls!.perObject, ts?.apiCalls?.perObject),
            Object.entries(c.apiCalls!.byKind)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || '–',
          ]),
      ),
      '',
    );
  }
  if (run.generator) push(...renderGenerator(run.generator));
  if (run.sharding) push(...renderSharding(run.sharding));
  if (run.leaderElection) push(...renderLeaderElection(run.leaderElection));

  push(...renderPhases(run));
  if (ts?.profile)
    push('### kopf-ts CPU profile of this run (`--profile`)', '', '```', ts.profile, '```', '');
  if (run.findings) push(run.findings.trim(), '');

  const problems = run.contenders.filter((c) => !c.available || c.errors.length);
  if (problems.length || run.notes?.length) {
    push('## Not measured / errors', '');
    for (const c of problems)
      push(
        `- **${c.title}**: ${c.available ? '' : `not available: ${c.reason ?? ''}`}${c.errors.map((e) => e.split('\n')[0]).join('; ')}`,
      );
    for (const note of run.notes ?? []) push(`- ${note}`);
    push('');
  }
  return lines.join('\n');
}

/**
 * The 100,000-object measure's rows: kopf-ts must catch up (no handler run) and be measured with its
 * peers; how they compare is reported (the issue sets no ratio at 100,000), a peer that did not finish
 * within the cap is reported as such, with how far it got.
 */
function scaleTargets(run: BenchRun): Target[] {
  const scaled = run.contenders.filter((c) => c.available && c.scale);
  const ts = scaled.find((c) => c.id === 'kopf-ts')?.scale;
  const objects = (ts?.objects ?? run.sizes.scaleObjects).toLocaleString('en');
  const catchUp = (c: ContenderResult): string => {
    const r = c.scale!;
    if (r.finished) return `${c.title} ${num(r.catchUpSeconds, 1)} s`;
    return `${c.title} did not finish in ${r.capSeconds} s (${r.exited ? 'exited; ' : ''}reached object ${(r.reached ?? 0).toLocaleString('en')} of ${r.objects.toLocaleString('en')})`;
  };
  const rss = (c: ContenderResult): string => {
    const r = c.scale!;
    const perThousand = scaleSlope(c);
    return r.finished
      ? `${c.title} ${mib(r.rssBytes)} MiB${perThousand === undefined ? '' : ` (${num(perThousand, 1)} MiB per 1,000)`}`
      : `${c.title} ${mib(r.rssAtEndBytes)} MiB when stopped (not caught up)`;
  };
  const measured = scaled.length > 0;
  return [
    {
      id: 'scale-catch-up',
      what: `Start with ${objects} handled objects: catch-up`,
      bar: 'measured for kopf-ts, controller-runtime and Kopf; kopf-ts: 0 handler runs',
      value: measured
        ? `${scaled.map(catchUp).join('; ')}${ts ? `; kopf-ts handler runs: ${ts.handlerRuns}` : ''}`
        : 'not measured',
      met: measured ? ts !== undefined && ts.finished && ts.handlerRuns === 0 : undefined,
    },
    {
      id: 'scale-rss',
      what: `Idle RSS with ${objects} watched objects`,
      bar: 'reported',
      value: measured ? scaled.map(rss).join('; ') : 'not measured',
      met: measured ? 'reported' : undefined,
    },
  ];
}

/** MiB of RSS per 1,000 watched objects in the 100,000-object measure: (idle with them − at 0) / N × 1,000. */
export function scaleSlope(c: ContenderResult): number | undefined {
  const r = c.scale;
  if (r?.rssBytes === undefined || c.baselineRssBytes === undefined || !r.objects) return undefined;
  return ((r.rssBytes - c.baselineRssBytes) / 2 ** 20 / r.objects) * 1000;
}

/** MiB of RSS per 1,000 objects 30 s after a burst of `n` (still present): (that − at 0 objects) / n × 1,000. */
export function burstSlope(c: ContenderResult, n: number): number | undefined {
  const after = c.throughput?.rssAfterBurstBytes;
  if (after === undefined || c.baselineRssBytes === undefined || !n) return undefined;
  return ((after - c.baselineRssBytes) / 2 ** 20 / n) * 1000;
}

/** MiB of RSS per 1,000 watched objects: (idle − at 0 objects) / idle objects × 1,000. */
export function slope(c: ContenderResult): number | undefined {
  if (!c.idle || c.baselineRssBytes === undefined || !c.idle.objects) return undefined;
  return ((c.idle.rssBytes - c.baselineRssBytes) / 2 ** 20 / c.idle.objects) * 1000;
}

function renderGenerator(gen: GeneratorResult): string[] {
  const out: string[] = ['### 6. Generator (CRD corpus → TypeScript)', ''];
  out.push(
    `Corpus: \`${gen.corpus}\` — ${gen.files} files, ${gen.crdDocuments} CRD documents. Wall time and peak RSS (GNU time\'s`,
    'max RSS) per tool; "per file" = one CLI invocation per file (dominated by start-up); "one process" = each tool\'s library driven over the corpus file by file in one',
    'process, one output per file (bench/generator/corpus-driver.ts, bench/lib/peers/kfc.ts,',
    'bench/generator/cdk8s-driver.ts); "whole corpus" = `kopf-gen <corpus> -o out`, one project. The target',
    'compares the one-process runs. A file that stops a whole run is excluded, counted as rejected, and the run repeated.',
    '',
  );
  out.push(
    table(
      [
        'tool',
        'mode',
        'wall (s)',
        'peak RSS (MiB)',
        'files accepted',
        'files rejected / failed',
        'outputs',
        'vs kopf-gen (time)',
        'notes',
      ],
      gen.tools.map((t) => {
        const base = gen.tools.find((k) => k.id === 'kopf-gen' && k.mode === t.mode && k.ok);
        return [
          t.title,
          t.mode,
          t.ok ? num(t.wallSeconds, 2) : 'failed',
          mib(t.peakRssBytes),
          String(t.accepted ?? '–'),
          String(t.rejected ?? '–'),
          String(t.outputs ?? '–'),
          t.ok && base ? ratio(t.wallSeconds, base.wallSeconds) : '–',
          t.notes ?? '',
        ];
      }),
    ),
    '',
  );
  return out;
}

function renderSharding(result: ShardingResult): string[] {
  const out: string[] = [
    `### 7. Sharded scale-out (kopf-ts, ${result.objects.toLocaleString('en')} objects)`,
    '',
  ];
  const one = result.rounds.find((r) => r.replicas === 1 && r.sharded);
  out.push(
    table(
      [
        'replicas',
        'handled',
        'seconds',
        'objects/s',
        'vs 1 sharded replica',
        'objects per replica',
        'handler runs per replica',
        'RSS per replica (MiB)',
        'RSS above warm-up, per replica (MiB)',
      ],
      result.rounds.map((r) => [
        r.sharded ? String(r.replicas) : '1, unsharded',
        `${r.handled}/${r.objects}`,
        num(r.seconds, 2),
        num(r.objectsPerSecond),
        ratio(r.objectsPerSecond, one?.objectsPerSecond),
        r.perReplica.map((p) => p.assigned).join(' / '),
        r.perReplica.map((p) => p.handlerRuns).join(' / '),
        r.perReplica.map((p) => mib(p.rssBytes)).join(' / '),
        r.perReplica.map((p) => mib(p.rssBytes - p.baselineRssBytes)).join(' / '),
      ]),
    ),
    '',
  );
  const seconds = (value: number | undefined): string =>
    value === undefined ? 'not within 120 s' : `${num(value, 2)} s`;
  const moves: Array<[string, ShardMove | undefined]> = [
    [`fail-over after SIGKILL (member Lease ${result.shardLeaseSeconds ?? '?'} s)`, result.failover],
    ['hand-over after SIGTERM', result.handover],
    ['scale-up: a replica joins', result.scaleUp],
  ];
  const measured = moves.filter((m): m is [string, ShardMove] => m[1] !== undefined);
  if (measured.length)
    out.push(
      table(
        ['event', 'replica', 'its objects', 'until they moved', 'new objects', 'until those were handled'],
        measured.map(([what, m]) => [
          what,
          m.replica,
          String(m.moved),
          m.leftBehind ? `${seconds(m.movedSeconds)}: ${m.leftBehind} left behind` : seconds(m.movedSeconds),
          m.newObjects ? String(m.newObjects) : '–',
          m.newObjects ? seconds(m.newHandledSeconds) : '–',
        ]),
      ),
      '',
    );
  for (const error of result.errors) out.push(`- **error**: ${error.split('\n')[0]}`);
  if (result.errors.length) out.push('');
  return out;
}

function renderLeaderElection(result: LeaderElectionResult): string[] {
  const row = (what: string, ms: number[]): string[] => [
    what,
    num(median(ms) / 1000, 2),
    ms.map((value) => num(value / 1000, 2)).join(', '),
  ];
  return [
    `### 8. Leader election (kopf-ts, ${result.rounds} round${result.rounds === 1 ? '' : 's'})`,
    '',
    table(
      ['event', 'median (s)', 'all rounds (s)'],
      [
        row('fail-over after SIGKILL of the leader (Lease 15 s)', result.failoverMs),
        row('hand-over after SIGTERM (Lease released)', result.handoverMs),
      ],
    ),
    '',
  ];
}

function statusText(t: Target): string {
  if (t.met === undefined) return 'not measured';
  if (t.met === 'reported') return 'reported';
  return t.met ? '**met**' : '**missed**';
}

/** The file of explanations for missed targets: one `## <target id>` section each, written by hand. */
export const MISSED_TARGETS_FILE = 'bench/missed-targets.md';

/** The sections of the explanations file, by target id (the text between its `## <id>` and the next). */
export function parseMissedTargets(text: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let id: string | undefined;
  for (const line of text.split('\n')) {
    const heading = /^## +(\S+)\s*$/.exec(line);
    if (heading) {
      id = heading[1]!;
      sections[id] = '';
    } else if (id) sections[id] += line + '\n';
  }
  for (const key of Object.keys(sections)) sections[key] = sections[key]!.trim();
  return sections;
}

/** Why each missed target is missed: its section of bench/missed-targets.md, or a note that there is none. */
function whyMissed(all: Target[], explanations: Record<string, string>): string[] {
  const missed = all.filter((t) => t.met === false);
  if (!missed.length) return [];
  return [
    `### Why the missed targets are missed (\`${MISSED_TARGETS_FILE}\`)`,
    '',
    ...missed.map(
      (t) =>
        `- **${t.what}** (${t.bar}; measured ${t.value}): ` +
        (explanations[t.id] ||
          `_not explained yet: add a \`## ${t.id}\` section to ${MISSED_TARGETS_FILE}._`),
    ),
    '',
  ];
}

/** Which contenders each measure ran (a full run runs those a target needs: bench/README.md). */
function contendersPerMeasure(available: ContenderResult[]): string[] {
  const measures: Array<[string, (c: ContenderResult) => unknown]> = [
    ['throughput and API calls', (c) => c.throughput],
    ['latency', (c) => c.latency],
    ['memory', (c) => c.idle],
    ['restart', (c) => c.restart],
    ['100,000 objects', (c) => c.scale],
  ];
  const parts = measures
    .map(([what, has]) => [what, available.filter((c) => has(c)).map((c) => c.title)] as const)
    .filter(([, titles]) => titles.length)
    .map(([what, titles]) => `${what}: ${titles.join(', ')}`);
  return parts.length
    ? [
        `- Contenders per measure (a full run measures those a target needs; bench/README.md): ${parts.join('; ')}.`,
      ]
    : [];
}

/** How long each part of the run took: what a full run must fit into (bench/README.md). */
function renderPhases(run: BenchRun): string[] {
  if (!run.phases?.length) return [];
  const rows = run.phases.map((p) => [p.name, num(p.seconds, 0), num(p.seconds / 60, 1)]);
  rows.push(['**whole run**', num(run.durationSeconds, 0), num(run.durationSeconds / 60, 1)]);
  return ['### How long each part took', '', table(['part', 'seconds', 'minutes'], rows), ''];
}

export function writeReport(run: BenchRun, file: string): void {
  writeFileSync(file, renderReport(run) + '\n');
}
