/**
 * One watch over all BenchObjects, recording when each object was first seen and when it first
 * showed the result (status.created.message == "ok"), and its current labels (the sharding measure
 * follows the shard assignments). Times are performance.now() milliseconds.
 */
import { isHandled, sleep, type BenchObject, type Kube } from './kube.ts';

export class Observer {
  readonly added = new Map<string, number>();
  readonly handled = new Map<string, number>();
  readonly present = new Set<string>();
  /** The current labels of every present object that has any. */
  readonly labels = new Map<string, Readonly<Record<string, string>>>();
  private stopWatch: (() => void) | undefined;
  private kube: Kube;

  constructor(kube: Kube) {
    this.kube = kube;
  }

  async start(): Promise<void> {
    const list = await this.kube.list();
    const now = performance.now();
    for (const obj of list.items) this.record(obj, now);
    this.stopWatch = this.kube.watch(undefined, list.metadata.resourceVersion, (event, at) => {
      if (event.type === 'DELETED') {
        const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
        this.present.delete(key);
        this.labels.delete(key);
        return;
      }
      if (event.type === 'ADDED' || event.type === 'MODIFIED') this.record(event.object, at);
    });
  }

  private record(obj: BenchObject, at: number): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    this.present.add(key);
    if (obj.metadata.labels) this.labels.set(key, obj.metadata.labels);
    else this.labels.delete(key);
    if (!this.added.has(key)) this.added.set(key, at);
    if (isHandled(obj) && !this.handled.has(key)) this.handled.set(key, at);
  }

  /** Wait until every key is handled; returns how many are (all of them unless timed out). */
  async waitHandled(keys: string[], timeoutMs: number, onProgress?: (done: number) => void): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let lastReport = performance.now();
    for (;;) {
      let done = 0;
      for (const key of keys) if (this.handled.has(key)) done++;
      if (done === keys.length || performance.now() > deadline) return done;
      if (onProgress && performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        onProgress(done);
      }
      await sleep(20);
    }
  }

  /** Wait until no object of the namespace is present any more. */
  async waitGone(namespace: string, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    const prefix = namespace + '/';
    for (;;) {
      let left = 0;
      for (const key of this.present) if (key.startsWith(prefix)) left++;
      if (left === 0) return true;
      if (performance.now() > deadline) return false;
      await sleep(100);
    }
  }

  forget(namespace: string): void {
    const prefix = namespace + '/';
    for (const map of [this.added, this.handled, this.labels])
      for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key);
  }

  stop(): void {
    this.stopWatch?.();
  }
}
