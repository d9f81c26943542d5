/**
 * Giving a burst's memory back when the operator goes idle. V8 grows its young generation for a burst
 * of events (Node 24: up to 128 MiB committed, 2 × 64 MiB semi-spaces) and keeps it, with the old
 * space's garbage, until the next major GC — which a process that has gone quiet never triggers: V8's
 * memory reducer did not shrink it in minutes (measured: 128 MiB of new space committed, ~16 MiB used,
 * 30 s after a 1,000-object burst). So once nothing has been recorded for a while (no event processed,
 * no handler run: see `structs/metrics.ts`) and the heap holds memory it does not use, V8 is asked to
 * collect and to shrink the young generation, and returns the pages. A busy operator never pays for
 * it, an idle one pays once per burst; one whose heap is all live data (or that never grew it) not at all.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { addMetricSink } from '../structs/metrics.ts';

export interface IdleCollectorOptions {
  /** Seconds without any recorded activity before collecting. */
  quietSeconds: number;
  /** Collect only if the heap holds at least this much memory that it does not use. */
  slackBytes?: number;
  /** The collection (default: {@link giveMemoryBack}). */
  collect?: () => unknown;
  /** The heap's unused memory: committed − used (default: V8's `total_heap_size − used_heap_size`). */
  heapSlack?: () => number;
}

/** How often the quiet time is checked; the activity itself only updates a timestamp. */
const CHECK_INTERVAL_MS = 1000;
/** After a burst it is ~100 MiB (mostly an emptied young generation); after a collection, a few MiB. */
const DEFAULT_SLACK_BYTES = 16 * 2 ** 20;

/** Collect once per quiet period after activity, as long as the operator runs; returns the stop. */
export function collectWhenIdle(options: IdleCollectorOptions): () => void {
  const collect = options.collect ?? giveMemoryBack;
  const heapSlack = options.heapSlack ?? unusedHeap;
  const slack = options.slackBytes ?? DEFAULT_SLACK_BYTES;
  let lastActivity = 0;
  let checkedAt = 0;
  const touch = (): void => void (lastActivity = Date.now());
  const unsubscribe = addMetricSink({ add: touch, observe: touch });
  const timer = setInterval(() => {
    if (lastActivity <= checkedAt || Date.now() - lastActivity < options.quietSeconds * 1000) return;
    checkedAt = Date.now();
    if (heapSlack() >= slack) collect();
  }, CHECK_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

function unusedHeap(): number {
  const heap = v8.getHeapStatistics();
  return heap.total_heap_size - heap.used_heap_size;
}

/** Between the two collections of {@link giveMemoryBack}: long enough to measure a low allocation rate. */
const SHRINK_DELAY_MS = 2000;

/**
 * Two major GCs a moment apart: V8 shrinks the young generation only in a GC that measures a low
 * allocation rate since the previous GC, and the rate the first one measures covers the burst
 * (measured: 128 MiB of new space stayed committed after one major GC; after a second GC, 1 MiB). The
 * second is a major one too, which is cheap: the heap is small by then.
 */
export function giveMemoryBack(): void {
  const gc = exposedGc();
  if (!gc) return;
  gc();
  setTimeout(gc, SHRINK_DELAY_MS).unref();
}

let gcFunction: (() => unknown) | undefined;

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
  gcFunction = () => Reflect.apply(collect, undefined, []);
  return gcFunction;
}
