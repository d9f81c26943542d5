/**
 * Giving a burst's memory back when the operator goes idle. V8 grows its young generation for a burst
 * of events (Node 24: up to 128 MiB committed, 2 × 64 MiB semi-spaces) and keeps it, with the old
 * space's garbage, until the next major GC — which a process that has gone quiet never triggers: V8's
 * memory reducer did not shrink it in minutes (measured: 128 MiB of new space committed, ~16 MiB used,
 * 30 s after a 1,000-object burst). So once nothing has been recorded for a while (no event processed,
 * no handler run: see `structs/metrics.ts`) and the heap is bigger than after the last collection, V8
 * is asked to collect and to shrink the young generation, and returns the pages. A busy operator
 * never pays for it, an idle one pays once per burst.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { addMetricSink } from '../structs/metrics.ts';

export interface IdleCollectorOptions {
  /** Seconds without any recorded activity before collecting. */
  quietSeconds: number;
  /** Collect only if the heap (committed) has grown by this much since the last collection. */
  growthBytes?: number;
  /** The collection (default: {@link giveMemoryBack}). */
  collect?: () => unknown;
  /** The heap's committed size (default: V8's `total_heap_size`). */
  heapBytes?: () => number;
}

/** How often the quiet time is checked; the activity itself only updates a timestamp. */
const CHECK_INTERVAL_MS = 1000;
const DEFAULT_GROWTH_BYTES = 16 * 2 ** 20;

/** Collect once per quiet period after activity, as long as the operator runs; returns the stop. */
export function collectWhenIdle(options: IdleCollectorOptions): () => void {
  const collect = options.collect ?? giveMemoryBack;
  const heapBytes = options.heapBytes ?? (() => v8.getHeapStatistics().total_heap_size);
  const growth = options.growthBytes ?? DEFAULT_GROWTH_BYTES;
  let lastActivity = 0;
  let collectedAt = 0;
  let heapAfterCollection = heapBytes();
  const touch = (): void => void (lastActivity = Date.now());
  const unsubscribe = addMetricSink({ add: touch, observe: touch });
  const timer = setInterval(() => {
    if (lastActivity <= collectedAt || Date.now() - lastActivity < options.quietSeconds * 1000) return;
    collectedAt = Date.now();
    if (heapBytes() - heapAfterCollection < growth) return;
    collect();
    heapAfterCollection = heapBytes();
  }, CHECK_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

/** Between the two collections of {@link giveMemoryBack}: long enough to measure a low allocation rate. */
const SHRINK_DELAY_MS = 2000;

/**
 * A major GC (the old space's garbage), then a minor one a moment later: V8 shrinks the young
 * generation only in a GC that measures a low allocation rate since the previous GC, and the rate the
 * first one measures covers the burst (measured: 128 MiB of new space stayed committed after one major
 * GC; after the second GC, 1 MiB).
 */
export function giveMemoryBack(): void {
  const gc = exposedGc();
  if (!gc) return;
  gc({ type: 'major' });
  setTimeout(() => gc({ type: 'minor' }), SHRINK_DELAY_MS).unref();
}

let gcFunction: ((options: { type: 'major' | 'minor' }) => unknown) | undefined;

/**
 * V8's `gc()`. It exists only with `--expose-gc`; the flag set at run time exposes it in a new context
 * (as Jest does for `--logHeapUsage`), and is unset again so that user code sees no `gc` it did not
 * ask for.
 */
function exposedGc(): typeof gcFunction {
  if (gcFunction) return gcFunction;
  let gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc !== 'function') {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc;
  gcFunction = (options) => Reflect.apply(collect, undefined, [options]);
  return gcFunction;
}
