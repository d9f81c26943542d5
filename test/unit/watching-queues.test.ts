/** Per-object queueing: serial per object, parallel across objects, coalescing, pressure, stopping. */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { addLogListener, configureLogging } from '../../runtime/structs/logging.ts';
import { makeSettings, type SettingsOverrides } from '../../runtime/structs/settings.ts';
import { coalesce, runQueues, type StreamItem } from '../../runtime/watching/index.ts';
import type { ObjectKey, WatchEvent } from '../../runtime/watching/types.ts';
import { KOPF_EXAMPLES } from './handler-kit.ts';

configureLogging({ write: () => undefined });

const resource = KOPF_EXAMPLES;

function event(type: WatchEvent['type'], uid: string, generation = 1): WatchEvent {
  return { type, object: { metadata: { uid, name: `obj-${uid}`, namespace: 'ns', generation } } };
}

/** A hand-fed event stream. */
function feed() {
  const buffer: StreamItem[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    push(...items: StreamItem[]) {
      buffer.push(...items);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<StreamItem> {
      for (;;) {
        while (buffer.length) yield buffer.shift()!;
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

const tick = (ms = 10) => new Promise((resolve) => setTimeout(resolve, ms));

function start(
  overrides: SettingsOverrides,
  processor: (key: ObjectKey, event: WatchEvent, pressure: AbortSignal) => Promise<void>,
) {
  const events = feed();
  const abort = new AbortController();
  const listed: number[] = [];
  const done = runQueues(events, processor, makeSettings(overrides), abort.signal, {
    resource,
    namespace: 'ns',
    onListed: () => listed.push(Date.now()),
  });
  return { events, abort, done, listed };
}

/** A processor whose cycles block until released, recording what it saw. */
function gatedProcessor() {
  const seen: Array<{ uid: string; type: WatchEvent['type']; generation: unknown }> = [];
  const gates: Array<() => void> = [];
  const pressures: AbortSignal[] = [];
  let running = 0;
  let maxRunning = 0;
  const processor = async (key: ObjectKey, ev: WatchEvent, pressure: AbortSignal) => {
    seen.push({ uid: key.uid, type: ev.type, generation: ev.object.metadata?.generation });
    pressures.push(pressure);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
  };
  return {
    processor,
    seen,
    pressures,
    releaseAll: () => gates.splice(0).forEach((release) => release()),
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
  };
}

describe('coalesce', () => {
  test('keeps the newest pending event', () => {
    expect(coalesce(event('MODIFIED', 'a', 1), event('MODIFIED', 'a', 2))).toEqual(event('MODIFIED', 'a', 2));
    expect(coalesce(undefined, event(null, 'a'))).toEqual(event(null, 'a'));
  });

  test('a DELETED supersedes what is pending and is never replaced', () => {
    expect(coalesce(event('MODIFIED', 'a'), event('DELETED', 'a'))).toEqual(event('DELETED', 'a'));
    expect(coalesce(event('DELETED', 'a'), event('MODIFIED', 'a', 9))).toEqual(event('DELETED', 'a'));
  });
});

describe('runQueues', () => {
  test('processes one object strictly one event at a time, coalescing events that arrive meanwhile', async () => {
    const gated = gatedProcessor();
    const q = start({}, gated.processor);
    q.events.push(event('ADDED', 'a', 1));
    await tick();
    q.events.push(event('MODIFIED', 'a', 2), event('MODIFIED', 'a', 3), event('MODIFIED', 'a', 4));
    await tick();
    expect(gated.running).toBe(1);
    gated.releaseAll();
    await tick();
    gated.releaseAll();
    await tick();
    expect(gated.seen.map((s) => s.generation)).toEqual([1, 4]);
    expect(gated.maxRunning).toBe(1);
    q.abort.abort();
    await q.done;
  });

  test('a DELETED arriving during a cycle is processed after it, even if more events follow', async () => {
    const gated = gatedProcessor();
    const q = start({}, gated.processor);
    q.events.push(event('ADDED', 'a'));
    await tick();
    q.events.push(event('MODIFIED', 'a', 2), event('DELETED', 'a', 3), event('MODIFIED', 'a', 4));
    await tick();
    gated.releaseAll();
    await tick();
    gated.releaseAll();
    await tick();
    expect(gated.seen.map((s) => s.type)).toEqual(['ADDED', 'DELETED']);
    q.abort.abort();
    await q.done;
  });

  test('aborts the running cycle’s pressure signal when a newer event for the same object arrives', async () => {
    const gated = gatedProcessor();
    const q = start({}, gated.processor);
    q.events.push(event('ADDED', 'a'), event('ADDED', 'b'));
    await tick();
    expect(gated.pressures.map((p) => p.aborted)).toEqual([false, false]);
    q.events.push(event('MODIFIED', 'a', 2));
    await tick();
    expect(gated.pressures.map((p) => p.aborted)).toEqual([true, false]);
    gated.releaseAll();
    await tick();
    expect(gated.pressures[2]!.aborted).toBe(false); // the new cycle starts without pressure
    gated.releaseAll();
    q.abort.abort();
    await q.done;
  });

  test('processes different objects in parallel, up to the worker limit', async () => {
    const gated = gatedProcessor();
    const q = start({ queueing: { workerLimit: 2, idleTimeout: 5, errorDelays: [] } }, gated.processor);
    q.events.push(event('ADDED', 'a'), event('ADDED', 'b'), event('ADDED', 'c'), event('ADDED', 'd'));
    await tick();
    expect(gated.running).toBe(2);
    gated.releaseAll();
    await tick();
    expect(gated.running).toBe(2);
    gated.releaseAll();
    await tick();
    expect(gated.seen.map((s) => s.uid).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(gated.maxRunning).toBe(2);
    q.abort.abort();
    await q.done;
  });

  test('without a worker limit, all objects run at once', async () => {
    const gated = gatedProcessor();
    const q = start({}, gated.processor);
    for (let i = 0; i < 50; i++) q.events.push(event('ADDED', `u${i}`));
    await tick();
    expect(gated.running).toBe(50);
    gated.releaseAll();
    q.abort.abort();
    await q.done;
  });

  test('a processor that throws is logged and the object keeps being processed', async () => {
    let calls = 0;
    const q = start({}, async () => {
      calls++;
      if (calls === 1) throw new Error('boom');
    });
    q.events.push(event('ADDED', 'a'));
    await tick();
    q.events.push(event('MODIFIED', 'a', 2));
    await tick();
    expect(calls).toBe(2);
    q.abort.abort();
    await q.done;
  });

  test('reports the end of a listing after the listed events were dispatched', async () => {
    const order: string[] = [];
    const events = feed();
    const abort = new AbortController();
    const done = runQueues(events, async (key) => void order.push(key.uid), makeSettings(), abort.signal, {
      resource,
      namespace: 'ns',
      onListed: () => order.push('LISTED'),
    });
    events.push(event(null, 'a'), event(null, 'b'), { type: 'LISTED' });
    await tick();
    expect(order).toEqual(['a', 'b', 'LISTED']);
    abort.abort();
    await done;
  });

  test('an idle worker exits after the idle timeout, and a later event starts a fresh one', async () => {
    const keys: ObjectKey[] = [];
    const q = start({ queueing: { idleTimeout: 0.05, workerLimit: 1, errorDelays: [] } }, async (key) => {
      keys.push(key);
    });
    q.events.push(event('ADDED', 'a'));
    await tick(100);
    // With a limit of 1, another object can only run if the idle worker released everything.
    q.events.push(event('ADDED', 'b'), event('MODIFIED', 'a', 2));
    await tick(50);
    expect(keys.map((k) => k.uid)).toEqual(['a', 'b', 'a']);
    q.abort.abort();
    await q.done;
  });

  test('on stop, takes no more events, lets running cycles finish, and drops pending ones', async () => {
    const gated = gatedProcessor();
    const q = start({}, gated.processor);
    q.events.push(event('ADDED', 'a'));
    await tick();
    q.events.push(event('MODIFIED', 'a', 2));
    q.abort.abort();
    q.events.push(event('ADDED', 'late'));
    let finished = false;
    void q.done.then(() => (finished = true));
    await tick();
    expect(finished).toBe(false); // the running cycle is waited for
    expect(gated.pressures[0]!.aborted).toBe(true); // ...and told to hurry
    gated.releaseAll();
    await q.done;
    expect(gated.seen.map((s) => s.uid)).toEqual(['a']);
  });

  test('on stop, objects waiting for a free worker are dropped, and the queues end once the running cycle does', async () => {
    const gated = gatedProcessor();
    const q = start({ queueing: { workerLimit: 1, idleTimeout: 60, errorDelays: [] } }, gated.processor);
    q.events.push(event('ADDED', 'a'), event('ADDED', 'b'), event('ADDED', 'c'));
    await tick();
    q.abort.abort();
    gated.releaseAll();
    await q.done;
    expect(gated.seen.map((s) => s.uid)).toEqual(['a']);
  });

  test('on stop, idle workers end at once, not at their idle timeout', async () => {
    const seen: string[] = [];
    const warnings: string[] = [];
    const unlisten = addLogListener(
      (record) => void (record.level === 'warning' && warnings.push(record.message)),
    );
    const q = start(
      {
        queueing: { idleTimeout: 3600, errorDelays: [] },
        process: { gracefulShutdownTimeout: 0.1, ultimateExitingTimeout: undefined },
      },
      async (key) => void seen.push(key.uid),
    );
    for (let i = 0; i < 100; i++) q.events.push(event('ADDED', `u${i}`));
    await tick();
    expect(seen).toHaveLength(100);
    q.abort.abort();
    await q.done;
    unlisten();
    // An idle worker still waiting would be abandoned after the graceful-shutdown timeout, with a warning.
    expect(warnings).toEqual([]);
  });

  test('on stop, a cycle that does not finish within the graceful-shutdown timeout is abandoned', async () => {
    const q = start(
      { process: { gracefulShutdownTimeout: 0.1, ultimateExitingTimeout: undefined } },
      () => new Promise(() => undefined),
    );
    q.events.push(event('ADDED', 'a'));
    await tick();
    const began = Date.now();
    q.abort.abort();
    await q.done;
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
    expect(Date.now() - began).toBeLessThan(1000);
  });

  test('passes the object identity as the key', async () => {
    const keys: ObjectKey[] = [];
    const q = start({}, async (key) => void keys.push(key));
    q.events.push(event('ADDED', 'a'));
    await tick();
    expect(keys).toEqual([{ resource, namespace: 'ns', name: 'obj-a', uid: 'a' }]);
    q.abort.abort();
    await q.done;
  });

  test('keeps no processed event alive while it keeps running (no body is retained per object)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const q = start({ queueing: { idleTimeout: 0.01 } }, async () => undefined);
    const bodies: Array<WeakRef<object>> = [];
    const push = (uid: string) => {
      const pushed = event('ADDED', uid);
      bodies.push(new WeakRef(pushed.object));
      q.events.push(pushed);
    };
    for (let i = 0; i < 20; i++) push(`u${i}`);
    await tick(200); // processed, and the idle workers are gone
    gc();
    await tick();
    gc();
    expect(bodies.filter((body) => body.deref() !== undefined)).toHaveLength(0);
    q.abort.abort();
    await q.done;
  });
});
