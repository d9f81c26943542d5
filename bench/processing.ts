/**
 * CPU of the processing layer alone, per handled object: what kopf-ts spends between a watch event and
 * its PATCHes, without the network. One create handler (the bench contender's), an in-memory stand-in
 * for the API that answers PATCHes like the apiserver (merge, a new resourceVersion), and, per object,
 * the events the queue hands over: ADDED, then the echo of the two PATCHes (coalesced to the newest).
 * Then the restart catch-up: the handled objects listed again (`type: null`) to a fresh processor
 * through the per-object queues (`runQueues`), as a restarted operator sees them — nothing to do for any.
 * A diagnosis tool (docs/benchmarks.md), not a test:
 * `node bench/processing.ts [--n 5000] [--rounds 5] [--settings '{"persistence":{"diffbaseStorage":"status"}}']`.
 */
import { parseArgs } from 'node:util';
import type { ApiClient } from '../runtime/client/types.ts';
import { createProcessor } from '../runtime/processing/processor.ts';
import type { KubernetesObject } from '../runtime/structs/bodies.ts';
import { configureLogging } from '../runtime/structs/logging.ts';
import { applyMergePatch } from '../runtime/structs/patches.ts';
import { makeSettings } from '../runtime/structs/settings.ts';
import { runQueues } from '../runtime/watching/queues.ts';
import type { StreamItem } from '../runtime/watching/stream.ts';
import type { WatchEvent } from '../runtime/watching/types.ts';
import { changeHandler } from '../test/unit/handler-kit.ts';

const { values } = parseArgs({
  options: { n: { type: 'string' }, rounds: { type: 'string' }, settings: { type: 'string' } },
});
const n = Number(values.n ?? 5000);
const rounds = Number(values.rounds ?? 5);
/** Settings overrides as JSON, e.g. the status storages of the `kopf-ts-status` contender. */
const overrides = JSON.parse(values.settings ?? '{}') as Record<string, Record<string, unknown>>;
function benchSettings() {
  const settings = makeSettings();
  for (const [group, fields] of Object.entries(overrides))
    Object.assign(settings[group as 'persistence'], fields);
  return settings;
}

// The operator's INFO lines are formatted, as `kopf run` does, but not written (no I/O in the measure).
configureLogging({ write: () => undefined });

const resource = {
  group: 'bench.kopf.dev',
  version: 'v1',
  plural: 'benchobjects',
  kind: 'BenchObject',
  namespaced: true,
  subresources: { status: true },
};

const created = changeHandler({
  id: 'created',
  fn: () => ({ message: 'ok' }),
  selector: 'benchobjects.bench.kopf.dev',
});

/** Objects by name; a PATCH merges and bumps the resourceVersion, and queues the watch's echo. */
let version = 1000;
const objects = new Map<string, KubernetesObject>();
const echoes: WatchEvent[] = [];
const client = {
  async patch(_r: unknown, _ns: unknown, name: string, body: unknown) {
    const current = applyMergePatch(objects.get(name)!, body);
    current.metadata = { ...current.metadata, resourceVersion: String(++version) };
    objects.set(name, current);
    echoes.push({ type: 'MODIFIED', object: structuredClone(current) });
    return structuredClone(current);
  },
} as unknown as ApiClient;

/** A fresh processor (no memory of any object) of the bench's one create handler. */
function benchProcessor(signal: AbortSignal) {
  return createProcessor({ client, resource, handlers: [created], settings: benchSettings(), signal });
}

async function round(r: number): Promise<number> {
  const stop = new AbortController();
  const process = benchProcessor(stop.signal);
  const calm = new AbortController().signal;
  const started = globalThis.process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const name = `r${r}-o${i}`;
    const body: KubernetesObject = {
      apiVersion: 'bench.kopf.dev/v1',
      kind: 'BenchObject',
      metadata: {
        name,
        namespace: 'bench',
        uid: `uid-${name}`,
        resourceVersion: String(++version),
        creationTimestamp: '2026-11-30T00:00:00Z',
        generation: 1,
      },
      spec: { index: i },
    };
    objects.set(name, body);
    const key = { resource, namespace: 'bench', name, uid: `uid-${name}` };
    await process(key, { type: 'ADDED', object: structuredClone(body) }, calm);
    // Both echoes arrive while the cycle runs; the queue coalesces them to the newest.
    await process(key, echoes.splice(0).at(-1)!, calm);
  }
  const used = globalThis.process.cpuUsage(started);
  stop.abort();
  return (used.user + used.system) / 1000 / n;
}

/**
 * A restarted operator's catch-up of round `r`'s handled objects: one listing through the per-object
 * queues into a fresh processor (no memory of the objects), until every object's cycle has finished.
 */
async function catchUp(r: number): Promise<number> {
  const stop = new AbortController();
  const listed = [...objects.values()].filter((body) => body.metadata?.name?.startsWith(`r${r}-`));
  let cycles = 0;
  let caughtUp: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (caughtUp = resolve));
  const process = benchProcessor(stop.signal);
  async function* listing(): AsyncGenerator<StreamItem> {
    for (const body of listed) yield { type: null, object: structuredClone(body) };
    yield { type: 'LISTED' };
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  }
  const started = globalThis.process.cpuUsage();
  const queues = runQueues(
    listing(),
    async (key, event, pressure) => {
      await process(key, event, pressure);
      if (++cycles === listed.length) caughtUp();
    },
    benchSettings(),
    stop.signal,
    { resource, namespace: undefined },
  );
  await done;
  const used = globalThis.process.cpuUsage(started);
  if (echoes.length) throw new Error(`the catch-up patched ${echoes.length} objects; expected none`);
  stop.abort();
  await queues;
  return (used.user + used.system) / 1000 / listed.length;
}

function report(what: string, results: number[]): void {
  const sorted = [...results].sort((a, b) => a - b);
  console.log(
    `${what}, ${n} objects × ${rounds} rounds: ` +
      `median ${sorted[Math.floor(rounds / 2)]!.toFixed(3)} ms (rounds: ${results.map((x) => x.toFixed(3)).join(', ')})`,
  );
}

const handling: number[] = [];
const catchingUp: number[] = [];
for (let r = 0; r < rounds; r++) {
  handling.push(await round(r));
  catchingUp.push(await catchUp(r));
}
report('processing CPU per object (2 events, 2 PATCHes, no network)', handling);
report('restart catch-up CPU per handled object (listed, queued, nothing to do)', catchingUp);
