/**
 * One watch over all BenchObjects, recording when each object was first seen and when it first
 * showed the result (status.created.message == "ok"), and its current labels (the sharding measure
 * follows the shard assignments). Times are performance.now() milliseconds.
 */
import { concurrently, isHandled, PLURAL, retrying, sleep, type BenchObject, type Kube } from './kube.ts';

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

/** Deletes in flight when a namespace is cleaned: one DELETE per object. */
const DELETE_CONCURRENCY = 64;

/**
 * Delete every object of `namespace` and wait until the observer has seen them gone; then forget them.
 * One DELETE per object, 64 in flight: a DELETECOLLECTION is served by one worker in the apiserver
 * (~30 objects/s here while an operator ran: 10,000 took over 5 min, and its request timed out after 60 s).
 * A DELETECOLLECTION afterwards catches what the observer had not seen yet.
 */
export async function cleanNamespace(
  kube: Kube,
  observer: Observer,
  namespace: string,
  log: (line: string) => void,
): Promise<void> {
  const prefix = `${namespace}/`;
  const names = [...observer.present]
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length));
  const path = kube.collectionPath(namespace);
  await concurrently(names.length, DELETE_CONCURRENCY, (i) =>
    retrying(
      () => kube.request('DELETE', `${path}/${names[i]}`, undefined, undefined, `DELETE ${PLURAL}`),
      `delete ${namespace}/${names[i]}`,
      404,
    ),
  ).catch((error: unknown) => log(`  delete ${namespace}: ${String(error)}`));
  await kube
    .deleteCollection(namespace)
    .catch((error: unknown) => log(`  delete ${namespace}: ${String(error)}`));
  if (!(await observer.waitGone(namespace, 300_000)))
    log(`  WARNING: objects of ${namespace} are still there after 300 s`);
  observer.forget(namespace);
}
