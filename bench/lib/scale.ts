/**
 * The set-up of the 100,000-object measure (issue #11): one namespace of N BenchObjects that every
 * contender already handled — the state a restarted operator finds. Each object is created with the
 * diff-base annotation Kopf and kopf-ts write (computed by kopf-ts's own essence code, which the interop
 * tests hold byte-identical to Kopf's) and the status every contender writes (`status.created =
 * {message: "ok"}`; controller-runtime's reconcile looks only at that, Kopf and kopf-ts only at the
 * diff-base). So a contender started with the set in place has nothing to do but list and watch it: the
 * measure is the memory of N watched objects and the time to catch up with them, not N handler runs.
 *
 * Set-up speed (measured on this machine, 2 cores, load 8–10, 30,000 objects): a POST and a status PATCH
 * per object over HTTP/2 with 128 in flight ran at 286 objects/s (HTTP/1.1 with 64: 120–190/s); one POST
 * through a set-up version of the CRD — the same schema without the status subresource, so the POST keeps
 * the status — at 578/s. The apiserver's memory was the same either way.
 *
 * The set-up version is added to the CRD only for the set-up (`withSetUpVersion`): every served version
 * has a watch cache of its own in the apiserver, which would decode every write of the other measures
 * twice; the scale measure runs last in a run.
 */
import { dump, load } from 'js-yaml';
import { essenceOf } from '../../runtime/processing/essence.ts';
import { storeDiffbase } from '../../runtime/processing/diffbase.ts';
import { makeSettings } from '../../runtime/structs/settings.ts';
import { concurrently, GROUP, PLURAL, retrying, VERSION, type Kube } from './kube.ts';
import type { Observer } from './observer.ts';

/**
 * The CRD's version without the status subresource, for the set-up only. Stored as v1 (no conversion),
 * and with a lower priority than v1, so clients that pick the preferred version (Kopf, kopf-ts) see v1.
 */
const SETUP_VERSION = 'v1alpha1';
/** Requests in flight during the set-up (over one HTTP/2 session): 64 ran at 331–1,011/s, 128 at 578–946/s. */
export const SETUP_CONCURRENCY = 128;

const persistence = makeSettings().persistence;

/** The body of object `index` as a contender leaves it after handling it (metadata and spec). */
export function handledBody(name: string, index: number): Record<string, unknown> {
  const body = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'BenchObject',
    metadata: { name },
    spec: { index },
  };
  const essence = essenceOf(body, { prefix: persistence.annotationsPrefix });
  const handled: Record<string, unknown> = { ...body, metadata: { name } };
  storeDiffbase(handled, essence, persistence, body);
  return handled;
}

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: unknown;
}

/** The bench CRD (`bench/crd.yaml`) with the set-up version added beside v1: served, not stored, no status subresource. */
export function withSetUpVersion(crdYaml: string): string {
  const crd = load(crdYaml) as { spec: { versions: CrdVersion[] } };
  const v1 = crd.spec.versions.find((v) => v.name === VERSION);
  if (!v1) throw new Error(`bench/crd.yaml has no version ${VERSION}`);
  const { subresources: _status, ...schema } = v1;
  crd.spec.versions = [v1, { ...schema, name: SETUP_VERSION, served: true, storage: false }];
  return dump(crd);
}

/** Wait until the apiserver serves the set-up version (its storage is rebuilt after the CRD changed). */
export async function waitSetUpVersion(kube: Kube, namespace: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const path = `/apis/${GROUP}/${SETUP_VERSION}/namespaces/${namespace}/${PLURAL}?limit=1`;
  for (;;) {
    const res = await kube.request('GET', path);
    if (res.status === 200) return;
    if (performance.now() > deadline)
      throw new Error(
        `${SETUP_VERSION} of the bench CRD not served after ${timeoutMs} ms: HTTP ${res.status}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface SetUp {
  objects: number;
  seconds: number;
  objectsPerSecond: number;
}

/**
 * Create `n` handled objects (`scale-<i>`) in `namespace`, one POST each through the set-up version with
 * `concurrency` requests in flight (retried on 429/5xx). Reports progress every 10 s.
 */
export async function createHandledSet(
  kube: Kube,
  namespace: string,
  n: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<SetUp> {
  const started = performance.now();
  let done = 0;
  const progress = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    log(`scale set-up: ${done}/${n} objects (${(done / seconds).toFixed(0)}/s)`);
  }, 10_000);
  const path = `/apis/${GROUP}/${SETUP_VERSION}/namespaces/${namespace}/${PLURAL}`;
  try {
    await concurrently(n, concurrency, async (index) => {
      const name = scaleName(index);
      const body = {
        ...handledBody(name, index),
        apiVersion: `${GROUP}/${SETUP_VERSION}`,
        status: { created: { message: 'ok' } },
      };
      await retrying(() => kube.request('POST', path, body), `create ${namespace}/${name}`, 409);
      done++;
    });
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`scale set-up: ${n} handled objects in ${seconds.toFixed(0)} s (${(n / seconds).toFixed(0)}/s)`);
  return { objects: n, seconds, objectsPerSecond: n / seconds };
}

function scaleName(index: number): string {
  return `scale-${String(index).padStart(6, '0')}`;
}

/**
 * The milestones of a set of `n`: `count` new (unhandled) objects spread through it in the listing's
 * order (by name: `scale-<i>-milestone` sorts right after `scale-<i>`), the last one after every
 * object of the set. When each is handled tells how far a contender got through its catch-up; the last
 * one is the sentinel of the catch-up.
 */
export function milestoneNames(n: number, count: number): Array<{ name: string; position: number }> {
  return Array.from({ length: count }, (_, i) => {
    const position = Math.round(((i + 1) * n) / count);
    return { name: `${scaleName(position)}-milestone`, position };
  });
}

/** (Re)create the milestones unhandled, so every contender finds them new; the observer forgets the old ones. */
export async function resetMilestones(
  kube: Kube,
  observer: Observer,
  namespace: string,
  names: string[],
): Promise<void> {
  const path = kube.collectionPath(namespace);
  for (const name of names) {
    await kube.request('DELETE', `${path}/${name}`);
    const key = `${namespace}/${name}`;
    while (observer.present.has(key)) await new Promise((resolve) => setTimeout(resolve, 50));
    observer.handled.delete(key);
    observer.added.delete(key);
  }
  for (const [i, name] of names.entries()) await kube.create(namespace, name, -1 - i);
}
